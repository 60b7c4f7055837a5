#include "stats/domain/range_split.h"

#include "stats/domain/query.h"

namespace nexus::stats {
namespace {

void Split(int64_t start, int64_t end, Level level, Level coarsest, std::vector<RangePiece>& out) {
  if (start >= end) return;
  if (level == coarsest) {
    out.push_back({level, start, end});
    return;
  }
  Level next = static_cast<Level>(static_cast<int>(level) + 1);
  int64_t width = LevelWidthMs(next);
  int64_t aligned_start = CeilTo(start, width);
  int64_t aligned_end = FloorTo(end, width);
  if (aligned_start >= aligned_end) {
    out.push_back({level, start, end});
    return;
  }
  if (start < aligned_start) out.push_back({level, start, aligned_start});
  if (aligned_end < end) out.push_back({level, aligned_end, end});
  Split(aligned_start, aligned_end, next, coarsest, out);
}

}  // namespace

int64_t LevelWidthMs(Level level) {
  switch (level) {
    case Level::kRaw:
      return 1;
    case Level::kMinute:
      return kMinuteMs;
    case Level::kHour:
      return kHourMs;
    case Level::kDay:
      return kDayMs;
  }
  return 1;
}

int64_t CeilTo(int64_t t_ms, int64_t width_ms) {
  int64_t floor = FloorTo(t_ms, width_ms);
  return floor == t_ms ? t_ms : floor + width_ms;
}

std::vector<RangePiece> SplitRange(int64_t start_ms, int64_t end_ms, Level coarsest) {
  std::vector<RangePiece> out;
  Split(start_ms, end_ms, Level::kRaw, coarsest, out);
  return out;
}

}  // namespace nexus::stats
