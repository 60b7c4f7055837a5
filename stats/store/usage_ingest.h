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
// decides duplicates), rollup deltas are summed in memory and written once per rollup row at
// Flush().
//
// Folding: the minute rollups get every delta at once. The hour and day rollups get a delta at
// once only when its minute is before the fold mark (`rollup_fold.folded_before_ms`, a minute
// boundary); minutes at or after the mark wait in the minute rollups, and Flush() adds every
// finished minute to the hour and day rollups in one statement per table and moves the mark,
// in the same transaction. So the hour and day rows of the current hour and day, which every
// commit would otherwise rewrite, are written about once a minute; readers take the range
// after the mark from the minute rollups (see ReadRange), so every answer stays exact.
//
// Lives as long as the writer connection so that its statements are prepared once; call Begin()
// at the start of every transaction. Throws SQLite::Exception like SQLiteCpp does.
class UsageIngest {
 public:
  explicit UsageIngest(SQLite::Database& db);

  // Forgets deltas left by a transaction that failed before Flush() and reads the fold mark.
  void Begin();

  // True when stored now, false when the request_id was already stored.
  bool Add(const UsageEvent& event);
  // Writes the summed deltas into the rollup tables, then folds the minutes before
  // `fold_before_ms` (floored to a minute) into the hour and day rollups.
  void Flush(int64_t fold_before_ms);

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
  void Fold(int64_t fold_before_ms);

  SQLite::Statement insert_log_;
  SQLite::Statement find_conversation_;
  SQLite::Statement put_conversation_;
  // Per level (minute, hour, day) and rollup table, its prepared upsert.
  std::vector<RollupUpsert> upserts_;
  // Per hour and day rollup table: adds the minute rows of [?1, ?2) into it.
  std::vector<std::unique_ptr<SQLite::Statement>> folds_;
  SQLite::Statement get_fold_mark_;
  SQLite::Statement set_fold_mark_;
  std::map<RollupKey, Metrics> minute_deltas_;
  int64_t folded_before_ms_ = 0;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_INGEST_H_
