#include "stats/store/usage_ingest.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "stats/domain/range_split.h"

namespace nexus::stats {
namespace {

constexpr int kLogColumnCount = 18;

std::string InsertSql(size_t rows) {
  std::string sql =
      "INSERT OR IGNORE INTO request_log (request_id, timestamp_ms, key_id, provider_id, model, "
      "upstream_model, conversation_id, prompt_tokens, completion_tokens, total_tokens, "
      "token_source, streamed, endpoint, http_status, error_type, latency_ms, "
      "time_to_first_token_ms, upstream_latency_ms) VALUES ";
  for (size_t i = 0; i < rows; ++i) {
    absl::StrAppend(&sql, i ? "," : "", "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  }
  return sql;
}

// Binds one row's columns from index `first` on; the strings must outlive the statement run.
void BindRow(SQLite::Statement& s, int first, const UsageEvent& e) {
  int i = first;
  s.bindNoCopy(i++, e.request_id);
  s.bind(i++, e.timestamp_ms);
  s.bind(i++, e.key_id);
  s.bind(i++, e.provider_id);
  s.bindNoCopy(i++, e.model);
  s.bindNoCopy(i++, e.upstream_model);
  s.bindNoCopy(i++, e.conversation_id);
  s.bind(i++, e.prompt_tokens);
  s.bind(i++, e.completion_tokens);
  s.bind(i++, e.total_tokens);
  s.bind(i++, e.token_source);
  s.bind(i++, e.streamed ? 1 : 0);
  s.bind(i++, e.endpoint);
  s.bind(i++, e.http_status);
  s.bindNoCopy(i++, e.error_type);
  s.bind(i++, e.latency_ms);
  s.bind(i++, e.time_to_first_token_ms);
  s.bind(i++, e.upstream_latency_ms);
}

}  // namespace

UsageIngest::UsageIngest(SQLite::Database& db)
    : db_(db),
      find_id_(db, "SELECT id FROM request_log WHERE request_id = ?"),
      find_conversation_(db,
                         "SELECT first_ms, first_request_id, key_id, provider_id, model "
                         "FROM conversations WHERE conversation_id = ?"),
      put_conversation_(db,
                        "INSERT OR REPLACE INTO conversations (conversation_id, first_ms, "
                        "first_request_id, key_id, provider_id, model) VALUES (?,?,?,?,?,?)"),
      folder_(db) {}

void UsageIngest::Begin() {
  if (folder_.loaded()) return;
  folder_.Load();
  newest_row_id_ = db_.execAndGet("SELECT COALESCE(MAX(id), 0) FROM request_log").getInt64();
}

void UsageIngest::Add(std::span<const UsageEvent* const> events, std::vector<bool>& stored) {
  stored.assign(events.size(), false);
  for (size_t done = 0; done < events.size(); done += kRowsPerInsert) {
    const size_t n = std::min(kRowsPerInsert, events.size() - done);
    // std::vector<bool> has no spans: a plain buffer for the chunk's flags.
    bool flags[kRowsPerInsert] = {};
    InsertRows(events.subspan(done, n), std::span<bool>(flags, n));
    for (size_t i = 0; i < n; ++i) stored[done + i] = flags[i];
  }
}

void UsageIngest::InsertRows(std::span<const UsageEvent* const> rows, std::span<bool> stored) {
  SQLite::Statement& insert = InsertStatement(rows.size());
  insert.reset();
  for (size_t i = 0; i < rows.size(); ++i) {
    BindRow(insert, 1 + static_cast<int>(i) * kLogColumnCount, *rows[i]);
  }
  const int64_t newest_before = newest_row_id_;
  const int changes = insert.exec();
  if (changes > 0) newest_row_id_ = db_.getLastInsertRowid();
  if (changes == static_cast<int>(rows.size())) {
    std::fill(stored.begin(), stored.end(), true);
  } else if (changes > 0) {
    FindStored(rows, newest_before, stored);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!stored[i]) continue;
    const UsageEvent& e = *rows[i];
    CountEvent(e, !e.conversation_id.empty() && TakeConversation(e));
  }
}

void UsageIngest::FindStored(std::span<const UsageEvent* const> rows, int64_t newest_before,
                             std::span<bool> stored) {
  // The statement gave its new rows the ids after `newest_before`; a copy of a row earlier in
  // the same statement finds that row's id again.
  std::set<int64_t> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    find_id_.reset();
    find_id_.bindNoCopy(1, rows[i]->request_id);
    if (!find_id_.executeStep()) throw SQLite::Exception("an inserted row is missing");
    const int64_t id = find_id_.getColumn(0).getInt64();
    find_id_.reset();
    stored[i] = id > newest_before && seen.insert(id).second;
  }
}

SQLite::Statement& UsageIngest::InsertStatement(size_t rows) {
  if (inserts_.size() < rows) inserts_.resize(rows);
  std::unique_ptr<SQLite::Statement>& statement = inserts_[rows - 1];
  if (statement == nullptr) statement = std::make_unique<SQLite::Statement>(db_, InsertSql(rows));
  return *statement;
}

void UsageIngest::CountEvent(const UsageEvent& e, bool starts_conversation) {
  folder_.pending()[RollupKey{FloorTo(e.timestamp_ms, kMinuteMs), e.provider_id, e.model, e.key_id}]
      .AddEvent(e, starts_conversation);
  folder_.CountPending(1);
}

bool UsageIngest::TakeConversation(const UsageEvent& e) {
  SQLite::Statement& find = find_conversation_;
  find.reset();
  find.bindNoCopy(1, e.conversation_id);
  if (find.executeStep()) {
    const int64_t first_ms = find.getColumn(0).getInt64();
    const std::string first_request_id = find.getColumn(1).getString();
    if (std::tie(first_ms, first_request_id) < std::tie(e.timestamp_ms, e.request_id)) {
      find.reset();  // an active statement would pin a snapshot across transactions
      return false;
    }
    // A late event takes the conversation over: the old first request gives the count back.
    RollupKey old_key{FloorTo(first_ms, kMinuteMs), find.getColumn(3).getInt64(),
                      find.getColumn(4).getString(), find.getColumn(2).getInt64()};
    find.reset();
    folder_.pending()[old_key].new_conversations -= 1;
    find_id_.reset();
    find_id_.bind(1, first_request_id);
    // A pruned first request was folded long ago.
    const bool folded =
        !find_id_.executeStep() || find_id_.getColumn(0).getInt64() <= folder_.folded_through_id();
    find_id_.reset();
    if (folded) {
      folder_.RecordMove(first_ms, old_key.provider_id, old_key.model, old_key.key_id);
    }
  }
  find.reset();
  SQLite::Statement& put = put_conversation_;
  put.reset();
  put.bindNoCopy(1, e.conversation_id);
  put.bind(2, e.timestamp_ms);
  put.bindNoCopy(3, e.request_id);
  put.bind(4, e.key_id);
  put.bind(5, e.provider_id);
  put.bindNoCopy(6, e.model);
  put.exec();
  return true;
}

void UsageIngest::Fold(int64_t fold_before_ms) { folder_.Fold(newest_row_id_, fold_before_ms); }

}  // namespace nexus::stats
