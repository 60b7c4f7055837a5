#ifndef NEXUS_STATS_STORE_USAGE_INGEST_H_
#define NEXUS_STATS_STORE_USAGE_INGEST_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stats/domain/query.h"
#include "stats/domain/usage.h"

namespace nexus::stats {

// The work of write transactions: raw rows go in one by one (INSERT OR IGNORE on request_id
// decides duplicates), rollup deltas are summed in memory and written once per rollup row at
// Flush(). Lives as long as the writer connection so that its statements are prepared once;
// call Begin() at the start of every transaction. Throws SQLite::Exception like SQLiteCpp does.
class UsageIngest {
 public:
  explicit UsageIngest(SQLite::Database& db);

  // Forgets deltas left by a transaction that failed before Flush().
  void Begin() { minute_deltas_.clear(); }

  // True when stored now, false when the request_id was already stored.
  bool Add(const UsageEvent& event);
  // Writes the summed deltas into every rollup table.
  void Flush();

 private:
  struct RollupKey {
    int64_t bucket_ms;
    int64_t provider_id;
    std::string model;
    int64_t key_id;
    auto operator<=>(const RollupKey&) const = default;
  };

  // Tracks the conversation's first request; true when `event` is that first request now. A
  // late event that is earlier than the recorded first one takes the conversation over, and the
  // old first request's rollup row gives it back.
  bool TakeConversation(const UsageEvent& event);
  void UpsertDimensional(SQLite::Statement& upsert, const std::map<RollupKey, Metrics>& rows);
  void UpsertOverall(SQLite::Statement& upsert, const std::map<int64_t, Metrics>& rows);

  SQLite::Statement insert_log_;
  SQLite::Statement find_conversation_;
  SQLite::Statement put_conversation_;
  // Per level (minute, hour, day): the dimensional and the overall upsert.
  std::vector<std::unique_ptr<SQLite::Statement>> dimensional_upserts_;
  std::vector<std::unique_ptr<SQLite::Statement>> overall_upserts_;
  std::map<RollupKey, Metrics> minute_deltas_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_INGEST_H_
