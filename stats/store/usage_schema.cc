#include "stats/store/usage_schema.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "stats/domain/latency_histogram.h"

namespace nexus::stats {
namespace {

std::string BuildMetricColumns() {
  std::string out =
      "requests, new_conversations, rounds, prompt_tokens, completion_tokens, total_tokens, "
      "errors";
  for (int i = 0; i < kLatencyBuckets; ++i) absl::StrAppend(&out, ", h", i);
  return out;
}

std::string MetricColumnDefinitions() {
  std::string out;
  for (const char* name : {"requests", "new_conversations", "rounds", "prompt_tokens",
                           "completion_tokens", "total_tokens", "errors"}) {
    absl::StrAppend(&out, ",\n  ", name, " INTEGER NOT NULL DEFAULT 0");
  }
  for (int i = 0; i < kLatencyBuckets; ++i) {
    absl::StrAppend(&out, ",\n  h", i, " INTEGER NOT NULL DEFAULT 0");
  }
  return out;
}

std::string BuildSchemaV1() {
  std::string sql = R"sql(
CREATE TABLE request_log (
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE,
  timestamp_ms INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  provider_id INTEGER NOT NULL,
  model TEXT NOT NULL,
  upstream_model TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL,
  token_source INTEGER NOT NULL,
  streamed INTEGER NOT NULL,
  endpoint INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  error_type TEXT NOT NULL,
  latency_ms INTEGER NOT NULL,
  time_to_first_token_ms INTEGER NOT NULL,
  upstream_latency_ms INTEGER NOT NULL
);
CREATE INDEX request_log_by_time ON request_log(timestamp_ms);
-- The first request of each conversation, by (timestamp_ms, request_id); its rollup row holds
-- the conversation in new_conversations. Never pruned, so late events keep being exact.
CREATE TABLE conversations (
  conversation_id TEXT PRIMARY KEY,
  first_ms INTEGER NOT NULL,
  first_request_id TEXT NOT NULL,
  key_id INTEGER NOT NULL,
  provider_id INTEGER NOT NULL,
  model TEXT NOT NULL
) WITHOUT ROWID;
)sql";
  const std::string columns = MetricColumnDefinitions();
  for (Level level : {Level::kMinute, Level::kHour, Level::kDay}) {
    absl::StrAppend(&sql, "CREATE TABLE ", RollupTable(level, Rollup::kFull),
                    " (\n  bucket_ms INTEGER NOT NULL,\n  provider_id INTEGER NOT NULL,\n"
                    "  model TEXT NOT NULL,\n  key_id INTEGER NOT NULL",
                    columns,
                    ",\n  PRIMARY KEY (bucket_ms, provider_id, model, key_id)\n) WITHOUT ROWID;\n");
    absl::StrAppend(&sql, "CREATE TABLE ", RollupTable(level, Rollup::kOverall),
                    " (\n  bucket_ms INTEGER PRIMARY KEY", columns, "\n) WITHOUT ROWID;\n");
  }
  return sql;
}

// Version 2: the single-dimension rollups, filled from the provider × model × key ones.
std::string BuildSchemaV2() {
  const std::string columns = MetricColumnDefinitions();
  std::string sums;
  for (absl::string_view column : absl::StrSplit(MetricColumns(), ", ")) {
    absl::StrAppend(&sums, ", SUM(", column, ")");
  }
  std::string sql;
  for (Level level : {Level::kMinute, Level::kHour, Level::kDay}) {
    for (Rollup rollup : {Rollup::kProvider, Rollup::kModel, Rollup::kKey}) {
      const std::string table = RollupTable(level, rollup);
      const std::string key = RollupKeyColumns(rollup)[0];
      const char* type = rollup == Rollup::kModel ? "TEXT" : "INTEGER";
      absl::StrAppend(&sql, "CREATE TABLE ", table, " (\n  bucket_ms INTEGER NOT NULL,\n  ", key,
                      " ", type, " NOT NULL", columns, ",\n  PRIMARY KEY (bucket_ms, ", key,
                      ")\n) WITHOUT ROWID;\n");
      absl::StrAppend(&sql, "INSERT INTO ", table, " (bucket_ms, ", key, ", ", MetricColumns(),
                      ") SELECT bucket_ms, ", key, sums, " FROM ",
                      RollupTable(level, Rollup::kFull), " GROUP BY bucket_ms, ", key, ";\n");
    }
  }
  return sql;
}

// Version 3: hour and day rollups are folded from the minute rollups once a minute is over,
// instead of being updated by every commit. Everything stored so far is in every level.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE rollup_fold (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  folded_before_ms INTEGER NOT NULL
);
INSERT INTO rollup_fold (id, folded_before_ms)
  SELECT 1, COALESCE(MAX(bucket_ms) + 60000, 0) FROM rollup_minute_all;
)sql";

// Version 4: rollups are derived from the raw log after the commit (see RollupFolder): they hold
// the raw rows up to folded_through_id. Everything stored so far is in them. conversation_moves
// holds, until the next fold, the first requests that lost their conversation to a late event
// after they were folded (their rollup rows still count the conversation).
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE rollup_fold ADD COLUMN folded_through_id INTEGER NOT NULL DEFAULT 0;
UPDATE rollup_fold SET folded_through_id = COALESCE((SELECT MAX(id) FROM request_log), 0);
CREATE TABLE conversation_moves (
  id INTEGER PRIMARY KEY,
  first_ms INTEGER NOT NULL,
  provider_id INTEGER NOT NULL,
  model TEXT NOT NULL,
  key_id INTEGER NOT NULL
);
)sql";

}  // namespace

FoldMarks ReadFoldMarks(SQLite::Database& db) {
  SQLite::Statement s(db, "SELECT folded_before_ms, folded_through_id FROM rollup_fold");
  if (!s.executeStep()) throw SQLite::Exception("rollup_fold has no row");
  return {.folded_before_ms = s.getColumn(0).getInt64(),
          .folded_through_id = s.getColumn(1).getInt64()};
}

std::string RollupTable(Level level, Rollup rollup) {
  const char* base = level == Level::kMinute ? "rollup_minute"
                     : level == Level::kHour ? "rollup_hour"
                                             : "rollup_day";
  switch (rollup) {
    case Rollup::kOverall:
      return absl::StrCat(base, "_all");
    case Rollup::kProvider:
      return absl::StrCat(base, "_provider");
    case Rollup::kModel:
      return absl::StrCat(base, "_model");
    case Rollup::kKey:
      return absl::StrCat(base, "_key");
    case Rollup::kFull:
      break;
  }
  return base;
}

std::vector<std::string> RollupKeyColumns(Rollup rollup) {
  switch (rollup) {
    case Rollup::kOverall:
      return {};
    case Rollup::kProvider:
      return {"provider_id"};
    case Rollup::kModel:
      return {"model"};
    case Rollup::kKey:
      return {"key_id"};
    case Rollup::kFull:
      break;
  }
  return {"provider_id", "model", "key_id"};
}

Rollup RollupFor(const Filter& filter, GroupBy group_by) {
  const bool provider = !filter.provider_ids.empty() || group_by == GroupBy::kProvider;
  const bool model = !filter.models.empty() || group_by == GroupBy::kModel;
  const bool key = !filter.key_ids.empty() || group_by == GroupBy::kKey;
  const int dimensions = int{provider} + int{model} + int{key};
  if (dimensions == 0) return Rollup::kOverall;
  if (dimensions > 1) return Rollup::kFull;
  return provider ? Rollup::kProvider : model ? Rollup::kModel : Rollup::kKey;
}

const std::string& MetricColumns() {
  static const std::string* const kColumns = new std::string(BuildMetricColumns());
  return *kColumns;
}

std::span<const sqlite::Migration> UsageMigrations() {
  static const std::string* const kV1 = new std::string(BuildSchemaV1());
  static const std::string* const kV2 = new std::string(BuildSchemaV2());
  static const std::array<sqlite::Migration, 4> kMigrations = {
      sqlite::Migration{1, *kV1},
      sqlite::Migration{2, *kV2},
      sqlite::Migration{3, kSchemaV3},
      sqlite::Migration{4, kSchemaV4},
  };
  return kMigrations;
}

}  // namespace nexus::stats
