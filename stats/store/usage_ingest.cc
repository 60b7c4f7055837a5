#include "stats/store/usage_ingest.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

std::string UpsertSql(Level level, Rollup rollup) {
  const std::vector<std::string> key_columns = RollupKeyColumns(rollup);
  const std::string keys = absl::StrJoin(key_columns, ", ");
  const std::string all_keys = keys.empty() ? "bucket_ms" : absl::StrCat("bucket_ms, ", keys);
  const int key_count = 1 + static_cast<int>(key_columns.size());
  const int metric_count = 7 + kLatencyBuckets;
  std::string placeholders;
  for (int i = 0; i < key_count + metric_count; ++i) absl::StrAppend(&placeholders, i ? ",?" : "?");
  const std::string& columns = MetricColumns();
  std::string updates;
  for (absl::string_view column : absl::StrSplit(columns, ", ")) {
    absl::StrAppend(&updates, updates.empty() ? "" : ", ", column, " = ", column, " + excluded.",
                    column);
  }
  return absl::StrCat("INSERT INTO ", RollupTable(level, rollup), " (", all_keys, ", ", columns,
                      ") VALUES (", placeholders, ") ON CONFLICT (", all_keys, ") DO UPDATE SET ",
                      updates);
}

// Adds the minute rows of [?1, ?2) of one rollup into the same rollup at a coarser level.
std::string FoldSql(Level level, Rollup rollup) {
  const std::vector<std::string> key_columns = RollupKeyColumns(rollup);
  const std::string keys = absl::StrJoin(key_columns, ", ");
  const std::string all_keys = keys.empty() ? "bucket_ms" : absl::StrCat("bucket_ms, ", keys);
  const std::string group_keys = keys.empty() ? "1" : absl::StrCat("1, ", keys);
  const int64_t width = LevelWidthMs(level);
  const std::string& columns = MetricColumns();
  std::string sums, updates;
  for (absl::string_view column : absl::StrSplit(columns, ", ")) {
    absl::StrAppend(&sums, ", SUM(", column, ")");
    absl::StrAppend(&updates, updates.empty() ? "" : ", ", column, " = ", column, " + excluded.",
                    column);
  }
  return absl::StrCat("INSERT INTO ", RollupTable(level, rollup), " (", all_keys, ", ", columns,
                      ") SELECT (bucket_ms / ", width, ") * ", width, keys.empty() ? "" : ", ",
                      keys, sums, " FROM ", RollupTable(Level::kMinute, rollup),
                      " WHERE bucket_ms >= ?1 AND bucket_ms < ?2 GROUP BY ", group_keys,
                      " ON CONFLICT (", all_keys, ") DO UPDATE SET ", updates);
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
                        "first_request_id, key_id, provider_id, model) VALUES (?,?,?,?,?,?)"),
      get_fold_mark_(db, "SELECT folded_before_ms FROM rollup_fold"),
      set_fold_mark_(db, "UPDATE rollup_fold SET folded_before_ms = ?") {
  for (Level level : {Level::kMinute, Level::kHour, Level::kDay}) {
    for (Rollup rollup : kAllRollups) {
      upserts_.push_back(
          {level, rollup, std::make_unique<SQLite::Statement>(db, UpsertSql(level, rollup))});
      if (level != Level::kMinute) {
        folds_.push_back(std::make_unique<SQLite::Statement>(db, FoldSql(level, rollup)));
      }
    }
  }
}

void UsageIngest::Begin() {
  minute_deltas_.clear();
  get_fold_mark_.reset();
  if (!get_fold_mark_.executeStep()) throw SQLite::Exception("rollup_fold has no row");
  folded_before_ms_ = get_fold_mark_.getColumn(0).getInt64();
  get_fold_mark_.reset();  // an active statement would pin a snapshot
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

void UsageIngest::Flush(int64_t fold_before_ms) {
  for (RollupUpsert& upsert : upserts_) {
    const int64_t width = LevelWidthMs(upsert.level);
    const bool coarse = upsert.level != Level::kMinute;
    std::map<RollupKey, Metrics> rows;
    for (const auto& [key, metrics] : minute_deltas_) {
      // Unfolded minutes reach the coarser levels when they are folded.
      if (coarse && key.bucket_ms >= folded_before_ms_) continue;
      rows[Project(key, upsert.rollup, width)].Add(metrics);
    }
    Upsert(*upsert.statement, upsert.rollup, rows);
  }
  minute_deltas_.clear();
  Fold(FloorTo(fold_before_ms, kMinuteMs));
}

void UsageIngest::Fold(int64_t fold_before_ms) {
  if (fold_before_ms <= folded_before_ms_) return;
  for (const auto& fold : folds_) {
    fold->reset();
    fold->bind(1, folded_before_ms_);
    fold->bind(2, fold_before_ms);
    fold->exec();
  }
  set_fold_mark_.reset();
  set_fold_mark_.bind(1, fold_before_ms);
  set_fold_mark_.exec();
  folded_before_ms_ = fold_before_ms;
}

UsageIngest::RollupKey UsageIngest::Project(const RollupKey& key, Rollup rollup, int64_t width) {
  RollupKey out{.bucket_ms = FloorTo(key.bucket_ms, width)};
  if (rollup == Rollup::kProvider || rollup == Rollup::kFull) out.provider_id = key.provider_id;
  if (rollup == Rollup::kModel || rollup == Rollup::kFull) out.model = key.model;
  if (rollup == Rollup::kKey || rollup == Rollup::kFull) out.key_id = key.key_id;
  return out;
}

void UsageIngest::Upsert(SQLite::Statement& upsert, Rollup rollup,
                         const std::map<RollupKey, Metrics>& rows) {
  for (const auto& [key, metrics] : rows) {
    upsert.reset();
    int i = 1;
    upsert.bind(i++, key.bucket_ms);
    if (rollup == Rollup::kProvider || rollup == Rollup::kFull) upsert.bind(i++, key.provider_id);
    if (rollup == Rollup::kModel || rollup == Rollup::kFull) upsert.bindNoCopy(i++, key.model);
    if (rollup == Rollup::kKey || rollup == Rollup::kFull) upsert.bind(i++, key.key_id);
    BindMetrics(upsert, i, metrics);
    upsert.exec();
  }
}

}  // namespace nexus::stats
