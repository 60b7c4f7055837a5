#ifndef NEXUS_STATS_STORE_USAGE_READER_H_
#define NEXUS_STATS_STORE_USAGE_READER_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "stats/domain/query.h"
#include "stats/domain/range_split.h"

namespace nexus::stats {

// (bucket start, group) → sums. The bucket is 0 when the query wants no time series.
using GroupedMetrics = std::map<std::pair<int64_t, std::string>, Metrics>;

struct ReadSpec {
  const Filter& filter;
  GroupBy group_by = GroupBy::kNone;
  // Series bucket width; 0 sums the whole range into bucket 0.
  int64_t series_width_ms = 0;
};

// Adds the sums over [start_ms, end_ms) to `out`: whole days, hours and minutes from the
// rollups, ragged sub-minute edges from the raw log, never coarser than `coarsest` (a series of
// hours must not read day rollups), and the range from the minute mark on (the last minute or
// two) from the minute rollups; plus the raw rows after the row mark, which are in no rollup
// yet (see RollupFolder). Throws SQLite::Exception.
void ReadRange(SQLite::Database& db, int64_t start_ms, int64_t end_ms, Level coarsest,
               const ReadSpec& spec, GroupedMetrics& out);

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_READER_H_
