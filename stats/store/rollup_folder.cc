#include "stats/store/rollup_folder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace nexus::stats {
namespace {

std::string UpdateSums(const std::string& columns) {
  std::string updates;
  for (absl::string_view column : absl::StrSplit(columns, ", ")) {
    absl::StrAppend(&updates, updates.empty() ? "" : ", ", column, " = ", column, " + excluded.",
                    column);
  }
  return updates;
}

std::string UpsertSql(Level level, Rollup rollup) {
  const std::vector<std::string> key_columns = RollupKeyColumns(rollup);
  const std::string keys = absl::StrJoin(key_columns, ", ");
  const std::string all_keys = keys.empty() ? "bucket_ms" : absl::StrCat("bucket_ms, ", keys);
  const int key_count = 1 + static_cast<int>(key_columns.size());
  const int metric_count = 7 + kLatencyBuckets;
  std::string placeholders;
  for (int i = 0; i < key_count + metric_count; ++i) absl::StrAppend(&placeholders, i ? ",?" : "?");
  const std::string& columns = MetricColumns();
  return absl::StrCat("INSERT INTO ", RollupTable(level, rollup), " (", all_keys, ", ", columns,
                      ") VALUES (", placeholders, ") ON CONFLICT (", all_keys, ") DO UPDATE SET ",
                      UpdateSums(columns));
}

// Adds the minute rows of [?1, ?2) of one rollup into the same rollup at a coarser level.
std::string FoldSql(Level level, Rollup rollup) {
  const std::vector<std::string> key_columns = RollupKeyColumns(rollup);
  const std::string keys = absl::StrJoin(key_columns, ", ");
  const std::string all_keys = keys.empty() ? "bucket_ms" : absl::StrCat("bucket_ms, ", keys);
  const std::string group_keys = keys.empty() ? "1" : absl::StrCat("1, ", keys);
  const int64_t width = LevelWidthMs(level);
  const std::string& columns = MetricColumns();
  std::string sums;
  for (absl::string_view column : absl::StrSplit(columns, ", ")) {
    absl::StrAppend(&sums, ", SUM(", column, ")");
  }
  return absl::StrCat("INSERT INTO ", RollupTable(level, rollup), " (", all_keys, ", ", columns,
                      ") SELECT (bucket_ms / ", width, ") * ", width, keys.empty() ? "" : ", ",
                      keys, sums, " FROM ", RollupTable(Level::kMinute, rollup),
                      " WHERE bucket_ms >= ?1 AND bucket_ms < ?2 GROUP BY ", group_keys,
                      " ON CONFLICT (", all_keys, ") DO UPDATE SET ", UpdateSums(columns));
}

void BindMetrics(SQLite::Statement& statement, int first_index, const Metrics& m) {
  int i = first_index;
  for (int64_t value : {m.requests, m.new_conversations, m.rounds, m.prompt_tokens,
                        m.completion_tokens, m.total_tokens, m.errors}) {
    statement.bind(i++, value);
  }
  for (int64_t count : m.latency) statement.bind(i++, count);
}

// The raw rows after the row mark, with whether each is its conversation's first request now.
constexpr const char* kUnfoldedRows =
    "SELECT r.timestamp_ms, r.provider_id, r.model, r.key_id, r.conversation_id, "
    "r.prompt_tokens, r.completion_tokens, r.total_tokens, r.http_status, r.error_type, "
    "r.latency_ms, c.first_request_id IS NOT NULL FROM request_log r LEFT JOIN conversations c "
    "ON c.conversation_id = r.conversation_id AND c.first_request_id = r.request_id "
    "WHERE r.id > ?";

}  // namespace

RollupFolder::RollupFolder(SQLite::Database& db)
    : db_(db),
      set_marks_(db, "UPDATE rollup_fold SET folded_through_id = ?, folded_before_ms = ?"),
      put_move_(db,
                "INSERT INTO conversation_moves (first_ms, provider_id, model, key_id) "
                "VALUES (?,?,?,?)"),
      clear_moves_(db, "DELETE FROM conversation_moves") {
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

void RollupFolder::Load() {
  pending_.clear();
  pending_events_ = 0;
  moves_ = 0;
  const FoldMarks marks = ReadFoldMarks(db_);
  folded_before_ms_ = marks.folded_before_ms;
  folded_through_id_ = marks.folded_through_id;
  SQLite::Statement rows(db_, kUnfoldedRows);
  rows.bind(1, folded_through_id_);
  while (rows.executeStep()) {
    UsageEvent e;
    e.timestamp_ms = rows.getColumn(0).getInt64();
    e.conversation_id = rows.getColumn(4).getString();
    e.prompt_tokens = rows.getColumn(5).getInt64();
    e.completion_tokens = rows.getColumn(6).getInt64();
    e.total_tokens = rows.getColumn(7).getInt64();
    e.http_status = rows.getColumn(8).getInt();
    e.error_type = rows.getColumn(9).getString();
    e.latency_ms = rows.getColumn(10).getInt64();
    RollupKey key{FloorTo(e.timestamp_ms, kMinuteMs), rows.getColumn(1).getInt64(),
                  rows.getColumn(2).getString(), rows.getColumn(3).getInt64()};
    pending_[key].AddEvent(e, rows.getColumn(11).getInt() != 0);
    ++pending_events_;
  }
  SQLite::Statement moves(db_,
                          "SELECT first_ms, provider_id, model, key_id FROM "
                          "conversation_moves");
  while (moves.executeStep()) {
    RollupKey key{FloorTo(moves.getColumn(0).getInt64(), kMinuteMs), moves.getColumn(1).getInt64(),
                  moves.getColumn(2).getString(), moves.getColumn(3).getInt64()};
    pending_[key].new_conversations -= 1;
    ++moves_;
  }
  loaded_ = true;
}

void RollupFolder::RecordMove(int64_t first_ms, int64_t provider_id, const std::string& model,
                              int64_t key_id) {
  put_move_.reset();
  put_move_.bind(1, first_ms);
  put_move_.bind(2, provider_id);
  put_move_.bindNoCopy(3, model);
  put_move_.bind(4, key_id);
  put_move_.exec();
  ++moves_;
}

void RollupFolder::Fold(int64_t through_id, int64_t fold_before_ms) {
  for (RollupUpsert& upsert : upserts_) {
    const int64_t width = LevelWidthMs(upsert.level);
    const bool coarse = upsert.level != Level::kMinute;
    RollupDeltas rows;
    for (const auto& [key, metrics] : pending_) {
      // Minutes from the minute mark on reach the coarser levels when FoldMinutes adds them.
      if (coarse && key.bucket_ms >= folded_before_ms_) continue;
      rows[Project(key, upsert.rollup, width)].Add(metrics);
    }
    Upsert(*upsert.statement, upsert.rollup, rows);
  }
  if (moves_ > 0) {
    clear_moves_.reset();
    clear_moves_.exec();
  }
  FoldMinutes(FloorTo(fold_before_ms, kMinuteMs));
  set_marks_.reset();
  set_marks_.bind(1, through_id);
  set_marks_.bind(2, folded_before_ms_);
  set_marks_.exec();
  pending_.clear();
  pending_events_ = 0;
  moves_ = 0;
  folded_through_id_ = through_id;
}

void RollupFolder::FoldMinutes(int64_t fold_before_ms) {
  if (fold_before_ms <= folded_before_ms_) return;
  for (const auto& fold : folds_) {
    fold->reset();
    fold->bind(1, folded_before_ms_);
    fold->bind(2, fold_before_ms);
    fold->exec();
  }
  folded_before_ms_ = fold_before_ms;
}

RollupKey RollupFolder::Project(const RollupKey& key, Rollup rollup, int64_t width) {
  RollupKey out{.bucket_ms = FloorTo(key.bucket_ms, width)};
  if (rollup == Rollup::kProvider || rollup == Rollup::kFull) out.provider_id = key.provider_id;
  if (rollup == Rollup::kModel || rollup == Rollup::kFull) out.model = key.model;
  if (rollup == Rollup::kKey || rollup == Rollup::kFull) out.key_id = key.key_id;
  return out;
}

void RollupFolder::Upsert(SQLite::Statement& upsert, Rollup rollup, const RollupDeltas& rows) {
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
