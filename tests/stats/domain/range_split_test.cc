#include "stats/domain/range_split.h"

#include <gtest/gtest.h>

#include <random>

#include "stats/domain/query.h"

namespace nexus::stats {
namespace {

// Pieces must be disjoint, cover the range in order, and be aligned to their level.
void ExpectExactCover(int64_t start, int64_t end, Level coarsest) {
  std::vector<RangePiece> pieces = SplitRange(start, end, coarsest);
  std::sort(pieces.begin(), pieces.end(),
            [](const RangePiece& a, const RangePiece& b) { return a.start_ms < b.start_ms; });
  int64_t at = start;
  for (const RangePiece& p : pieces) {
    EXPECT_EQ(p.start_ms, at);
    EXPECT_LT(p.start_ms, p.end_ms);
    EXPECT_LE(static_cast<int>(p.level), static_cast<int>(coarsest));
    int64_t width = LevelWidthMs(p.level);
    EXPECT_EQ(p.start_ms % width, 0) << p.start_ms;
    EXPECT_EQ(p.end_ms % width, 0) << p.end_ms;
    at = p.end_ms;
  }
  EXPECT_EQ(at, std::max(start, end));
}

TEST(RangeSplitTest, UsesDaysInTheMiddleAndRawAtRaggedEdges) {
  const int64_t day = 1'800'000'000'000 / kDayMs * kDayMs;
  std::vector<RangePiece> pieces = SplitRange(day - kHourMs - 5, day + 2 * kDayMs + kMinuteMs + 7);
  int days = 0, raw = 0;
  for (const RangePiece& p : pieces) {
    days += p.level == Level::kDay;
    raw += p.level == Level::kRaw;
  }
  EXPECT_EQ(days, 1);
  EXPECT_EQ(raw, 2);
  ExpectExactCover(day - kHourMs - 5, day + 2 * kDayMs + kMinuteMs + 7, Level::kDay);
}

TEST(RangeSplitTest, RandomRangesAreCoveredExactlyAtEveryCeiling) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> t(1'700'000'000'000, 1'700'000'000'000 + 5 * kDayMs);
  for (int i = 0; i < 2000; ++i) {
    int64_t a = t(rng), b = t(rng);
    if (i % 3 == 0) a = a / kHourMs * kHourMs;
    for (Level level : {Level::kMinute, Level::kHour, Level::kDay}) {
      ExpectExactCover(std::min(a, b), std::max(a, b), level);
    }
  }
  EXPECT_TRUE(SplitRange(10, 10).empty());
}

}  // namespace
}  // namespace nexus::stats
