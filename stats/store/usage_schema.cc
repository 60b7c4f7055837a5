#include "stats/store/usage_schema.h"

#include <array>

#include "absl/strings/str_cat.h"
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
    absl::StrAppend(&sql, "CREATE TABLE ", RollupTable(level, true),
                    " (\n  bucket_ms INTEGER NOT NULL,\n  provider_id INTEGER NOT NULL,\n"
                    "  model TEXT NOT NULL,\n  key_id INTEGER NOT NULL",
                    columns,
                    ",\n  PRIMARY KEY (bucket_ms, provider_id, model, key_id)\n) WITHOUT ROWID;\n");
    absl::StrAppend(&sql, "CREATE TABLE ", RollupTable(level, false),
                    " (\n  bucket_ms INTEGER PRIMARY KEY", columns, "\n) WITHOUT ROWID;\n");
  }
  return sql;
}

}  // namespace

std::string RollupTable(Level level, bool dimensional) {
  const char* base = level == Level::kMinute ? "rollup_minute"
                     : level == Level::kHour ? "rollup_hour"
                                             : "rollup_day";
  return dimensional ? base : absl::StrCat(base, "_all");
}

const std::string& MetricColumns() {
  static const std::string* const kColumns = new std::string(BuildMetricColumns());
  return *kColumns;
}

std::span<const sqlite::Migration> UsageMigrations() {
  static const std::string* const kV1 = new std::string(BuildSchemaV1());
  static const std::array<sqlite::Migration, 1> kMigrations = {
      sqlite::Migration{1, *kV1},
  };
  return kMigrations;
}

}  // namespace nexus::stats
