#ifndef NEXUS_STATS_STORE_USAGE_SCHEMA_H_
#define NEXUS_STATS_STORE_USAGE_SCHEMA_H_

#include <span>
#include <string>
#include <vector>

#include "services/sqlite/database.h"
#include "stats/domain/query.h"
#include "stats/domain/range_split.h"

namespace nexus::stats {

// The forward-only migrations of stats.db.
std::span<const sqlite::Migration> UsageMigrations();

// What a rollup table is keyed by besides its time bucket. Every level has all five; ingest
// keeps them equal. The narrow ones exist because reads cost per row: per day there are ~3
// provider rows, ~12 model rows and ~200 key rows, but thousands of provider × model × key rows.
enum class Rollup { kOverall, kProvider, kModel, kKey, kFull };
inline constexpr Rollup kAllRollups[] = {Rollup::kOverall, Rollup::kProvider, Rollup::kModel,
                                         Rollup::kKey, Rollup::kFull};

// "rollup_hour" (provider × model × key), "rollup_hour_all", "rollup_hour_provider",
// "rollup_hour_model", "rollup_hour_key".
std::string RollupTable(Level level, Rollup rollup);
// The key columns after bucket_ms, in primary-key order.
std::vector<std::string> RollupKeyColumns(Rollup rollup);
// The narrowest rollup that has every dimension a query filters or groups by.
Rollup RollupFor(const Filter& filter, GroupBy group_by);

// How far the rollups reach (see RollupFolder). Raw rows with an id above `folded_through_id`
// are in no rollup yet: readers add them from the raw log. Minute rollups of buckets at or after
// `folded_before_ms` are not yet in the hour and day rollups: readers take such ranges from the
// minute rollups.
struct FoldMarks {
  int64_t folded_before_ms = 0;
  int64_t folded_through_id = 0;
};
// Throws SQLite::Exception.
FoldMarks ReadFoldMarks(SQLite::Database& db);

// "requests, new_conversations, ..., h0, ..., h39": the additive columns of every rollup table.
const std::string& MetricColumns();

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_SCHEMA_H_
