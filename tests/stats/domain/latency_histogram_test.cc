#include "stats/domain/latency_histogram.h"

#include <gtest/gtest.h>

namespace nexus::stats {
namespace {

TEST(LatencyHistogramTest, BucketsAreContiguousAndContainTheirValues) {
  for (int64_t ms : {0, 1, 2, 3, 7, 10, 99, 100, 1234, 60'000, 600'000, 5'000'000}) {
    int i = LatencyBucket(ms);
    EXPECT_LE(LatencyBucketLower(i), ms) << ms;
    if (i + 1 < kLatencyBuckets) {
      EXPECT_LT(ms, LatencyBucketLower(i + 1)) << ms;
    }
  }
  for (int i = 2; i < kLatencyBuckets; ++i) {
    EXPECT_LT(LatencyBucketLower(i - 1), LatencyBucketLower(i));
  }
}

TEST(LatencyHistogramTest, PercentilesStayInsideTheRightBucket) {
  LatencyHistogram h{};
  for (int i = 0; i < 90; ++i) ++h[LatencyBucket(100)];
  for (int i = 0; i < 10; ++i) ++h[LatencyBucket(5000)];
  int64_t p50 = LatencyPercentile(h, 0.5);
  EXPECT_GE(p50, LatencyBucketLower(LatencyBucket(100)));
  EXPECT_LT(p50, LatencyBucketLower(LatencyBucket(100) + 1));
  int64_t p99 = LatencyPercentile(h, 0.99);
  EXPECT_GE(p99, LatencyBucketLower(LatencyBucket(5000)));
  EXPECT_LT(p99, LatencyBucketLower(LatencyBucket(5000) + 1));
  EXPECT_EQ(LatencyPercentile(LatencyHistogram{}, 0.5), 0);
}

}  // namespace
}  // namespace nexus::stats
