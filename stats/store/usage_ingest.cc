#include "stats/store/usage_ingest.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "stats/domain/range_split.h"
#include "stats/store/usage_schema.h"

namespace nexus::stats {
namespace {

constexpr const char* kInsertLog =
    "INSERT OR IGNORE INTO request_log (request_id, timestamp_ms, key_id, provider_id, model, "
    "upstream_model, conversation_id, prompt_tokens, completion_tokens, total_tokens, "
    "token_source, streamed, endpoint, http_status, error_type, latency_ms, "
    "time_to_first_token_ms, upstream_latency_ms) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

std::string UpsertSql(const std::string& table, bool dimensional) {
  const std::string keys =
      dimensional ? "bucket_ms, provider_id, model, key_id" : std::string("bucket_ms");
  const int key_count = dimensional ? 4 : 1;
  const int metric_count = 7 + kLatencyBuckets;
  std::string placeholders;
  for (int i = 0; i < key_count + metric_count; ++i) absl::StrAppend(&placeholders, i ? ",?" : "?");
  const std::string& columns = MetricColumns();
  std::string updates;
  for (absl::string_view column : absl::StrSplit(columns, ", ")) {
    absl::StrAppend(&updates, updates.empty() ? "" : ", ", column, " = ", column, " + excluded.",
                    column);
  }
  return absl::StrCat("INSERT INTO ", table, " (", keys, ", ", columns, ") VALUES (", placeholders,
                      ") ON CONFLICT (", keys, ") DO UPDATE SET ", updates);
}

void BindMetrics(SQLite::Statement& statement, int first_index, const Metrics& m) {
  int i = first_index;
  for (int64_t value : {m.requests, m.new_conversations, m.rounds, m.prompt_tokens,
                        m.completion_tokens, m.total_tokens, m.errors}) {
    statement.bind(i++, value);
  }
  for (int64_t count : m.latency) statement.bind(i++, count);
}

}  // namespace

UsageIngest::UsageIngest(SQLite::Database& db)
    : insert_log_(db, kInsertLog),
      find_conversation_(db,
                         "SELECT first_ms, first_request_id, key_id, provider_id, model "
                         "FROM conversations WHERE conversation_id = ?"),
      put_conversation_(db,
                        "INSERT OR REPLACE INTO conversations (conversation_id, first_ms, "
                        "first_request_id, key_id, provider_id, model) VALUES (?,?,?,?,?,?)") {
  for (Level level : {Level::kMinute, Level::kHour, Level::kDay}) {
    dimensional_upserts_.push_back(
        std::make_unique<SQLite::Statement>(db, UpsertSql(RollupTable(level, true), true)));
    overall_upserts_.push_back(
        std::make_unique<SQLite::Statement>(db, UpsertSql(RollupTable(level, false), false)));
  }
}

bool UsageIngest::Add(const UsageEvent& e) {
  SQLite::Statement& s = insert_log_;
  s.reset();
  s.bindNoCopy(1, e.request_id);
  s.bind(2, e.timestamp_ms);
  s.bind(3, e.key_id);
  s.bind(4, e.provider_id);
  s.bindNoCopy(5, e.model);
  s.bindNoCopy(6, e.upstream_model);
  s.bindNoCopy(7, e.conversation_id);
  s.bind(8, e.prompt_tokens);
  s.bind(9, e.completion_tokens);
  s.bind(10, e.total_tokens);
  s.bind(11, e.token_source);
  s.bind(12, e.streamed ? 1 : 0);
  s.bind(13, e.endpoint);
  s.bind(14, e.http_status);
  s.bindNoCopy(15, e.error_type);
  s.bind(16, e.latency_ms);
  s.bind(17, e.time_to_first_token_ms);
  s.bind(18, e.upstream_latency_ms);
  if (s.exec() == 0) return false;
  bool starts_conversation = !e.conversation_id.empty() && TakeConversation(e);
  RollupKey key{FloorTo(e.timestamp_ms, kMinuteMs), e.provider_id, e.model, e.key_id};
  minute_deltas_[key].AddEvent(e, starts_conversation);
  return true;
}

bool UsageIngest::TakeConversation(const UsageEvent& e) {
  SQLite::Statement& find = find_conversation_;
  find.reset();
  find.bindNoCopy(1, e.conversation_id);
  if (find.executeStep()) {
    int64_t first_ms = find.getColumn(0).getInt64();
    std::string first_request_id = find.getColumn(1).getString();
    if (std::tie(first_ms, first_request_id) < std::tie(e.timestamp_ms, e.request_id)) {
      find.reset();  // an active statement would pin a snapshot across transactions
      return false;
    }
    RollupKey old_key{FloorTo(first_ms, kMinuteMs), find.getColumn(3).getInt64(),
                      find.getColumn(4).getString(), find.getColumn(2).getInt64()};
    minute_deltas_[old_key].new_conversations -= 1;
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

void UsageIngest::Flush() {
  for (int i = 0; i < 3; ++i) {
    const int64_t width = LevelWidthMs(static_cast<Level>(static_cast<int>(Level::kMinute) + i));
    std::map<RollupKey, Metrics> dimensional;
    std::map<int64_t, Metrics> overall;
    for (const auto& [key, metrics] : minute_deltas_) {
      int64_t bucket = FloorTo(key.bucket_ms, width);
      dimensional[RollupKey{bucket, key.provider_id, key.model, key.key_id}].Add(metrics);
      overall[bucket].Add(metrics);
    }
    UpsertDimensional(*dimensional_upserts_[i], dimensional);
    UpsertOverall(*overall_upserts_[i], overall);
  }
  minute_deltas_.clear();
}

void UsageIngest::UpsertDimensional(SQLite::Statement& upsert,
                                    const std::map<RollupKey, Metrics>& rows) {
  for (const auto& [key, metrics] : rows) {
    upsert.reset();
    upsert.bind(1, key.bucket_ms);
    upsert.bind(2, key.provider_id);
    upsert.bindNoCopy(3, key.model);
    upsert.bind(4, key.key_id);
    BindMetrics(upsert, 5, metrics);
    upsert.exec();
  }
}

void UsageIngest::UpsertOverall(SQLite::Statement& upsert, const std::map<int64_t, Metrics>& rows) {
  for (const auto& [bucket, metrics] : rows) {
    upsert.reset();
    upsert.bind(1, bucket);
    BindMetrics(upsert, 2, metrics);
    upsert.exec();
  }
}

}  // namespace nexus::stats
