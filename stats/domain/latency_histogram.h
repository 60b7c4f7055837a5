#ifndef NEXUS_STATS_DOMAIN_LATENCY_HISTOGRAM_H_
#define NEXUS_STATS_DOMAIN_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace nexus::stats {

// Fixed log-scale latency buckets, two per doubling: bucket i holds latencies in
// [Lower(i), Lower(i + 1)) milliseconds, the last one everything from about 17 minutes up (1, 2, 3,
// 5, 7, 10, 15, ... ms). Rollups store one counter per bucket, so percentiles over any range come
// from the rollups with at most ~41% relative error (interpolated inside the bucket, usually far
// less).
inline constexpr int kLatencyBuckets = 40;
using LatencyHistogram = std::array<int64_t, kLatencyBuckets>;

int LatencyBucket(int64_t latency_ms);
// Smallest latency of bucket `i` (0 for bucket 0).
int64_t LatencyBucketLower(int i);
// The q-quantile (0 < q <= 1) by linear interpolation inside its bucket; 0 when empty.
int64_t LatencyPercentile(const LatencyHistogram& histogram, double q);

}  // namespace nexus::stats

#endif  // NEXUS_STATS_DOMAIN_LATENCY_HISTOGRAM_H_
