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
#include "stats/domain/range_split.h"
#include "stats/domain/usage.h"
#include "stats/store/usage_schema.h"

namespace nexus::stats {

// The work of write transactions: raw rows go in one by one (INSERT OR IGNORE on request_id
// decides duplicates), rollup deltas are summed in memory and written once per rollup row of
// every rollup table (see Rollup) at Flush(). Lives as long as the writer connection so that its
// statements are prepared once; call Begin() at the start of every transaction. Throws
// SQLite::Exception like SQLiteCpp does.
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
    int64_t bucket_ms = 0;
    int64_t provider_id = 0;
    std::string model{};
    int64_t key_id = 0;
    auto operator<=>(const RollupKey&) const = default;
  };
  struct RollupUpsert {
    Level level;
    Rollup rollup;
    std::unique_ptr<SQLite::Statement> statement;
  };

  // Tracks the conversation's first request; true when `event` is that first request now. A
  // late event that is earlier than the recorded first one takes the conversation over, and the
  // old first request's rollup row gives it back.
  bool TakeConversation(const UsageEvent& event);
  // The key of `rollup` at bucket width `width` that a minute key's deltas add to.
  static RollupKey Project(const RollupKey& key, Rollup rollup, int64_t width);
  void Upsert(SQLite::Statement& upsert, Rollup rollup, const std::map<RollupKey, Metrics>& rows);

  SQLite::Statement insert_log_;
  SQLite::Statement find_conversation_;
  SQLite::Statement put_conversation_;
  // Per level (minute, hour, day) and rollup table, its prepared upsert.
  std::vector<RollupUpsert> upserts_;
  std::map<RollupKey, Metrics> minute_deltas_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_INGEST_H_
