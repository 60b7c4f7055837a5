#ifndef NEXUS_STATS_DOMAIN_RANGE_SPLIT_H_
#define NEXUS_STATS_DOMAIN_RANGE_SPLIT_H_

#include <cstdint>
#include <vector>

namespace nexus::stats {

// Where a piece of a range is read from: the raw request log (ragged edges shorter than a
// minute) or the rollups of one width.
enum class Level { kRaw = 0, kMinute = 1, kHour = 2, kDay = 3 };

struct RangePiece {
  Level level;
  int64_t start_ms;
  int64_t end_ms;
};

// Splits [start_ms, end_ms) into the fewest pieces such that every piece at a rollup level is
// aligned to that level's buckets: days in the middle, then hours, minutes and raw milliseconds
// towards the edges, never coarser than `coarsest`. The pieces are disjoint and cover the range
// exactly.
std::vector<RangePiece> SplitRange(int64_t start_ms, int64_t end_ms, Level coarsest = Level::kDay);

int64_t LevelWidthMs(Level level);
int64_t CeilTo(int64_t t_ms, int64_t width_ms);

}  // namespace nexus::stats

#endif  // NEXUS_STATS_DOMAIN_RANGE_SPLIT_H_
