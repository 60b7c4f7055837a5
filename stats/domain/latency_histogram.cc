#include "stats/domain/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace nexus::stats {

int64_t LatencyBucketLower(int i) {
  if (i <= 0) return 0;
  // 2^((i+1)/2) - 1, rounded: 1, 2, 3, 5, 7, 10, 15, ... growing by sqrt(2).
  return static_cast<int64_t>(std::llround(std::pow(2.0, (i + 1) / 2.0))) - 1;
}

int LatencyBucket(int64_t latency_ms) {
  if (latency_ms <= 0) return 0;
  int i = static_cast<int>(2.0 * std::log2(static_cast<double>(latency_ms) + 1.0)) - 1;
  i = std::clamp(i, 0, kLatencyBuckets - 1);
  // Guard against floating-point edges so that Lower(i) <= latency < Lower(i + 1) holds exactly.
  while (i > 0 && LatencyBucketLower(i) > latency_ms) --i;
  while (i + 1 < kLatencyBuckets && LatencyBucketLower(i + 1) <= latency_ms) ++i;
  return i;
}

int64_t LatencyPercentile(const LatencyHistogram& histogram, double q) {
  int64_t count = 0;
  for (int64_t c : histogram) count += c;
  if (count == 0) return 0;
  // Rank of the wanted sample, 1-based.
  double rank = std::max(1.0, std::ceil(q * static_cast<double>(count)));
  int64_t seen = 0;
  for (int i = 0; i < kLatencyBuckets; ++i) {
    if (histogram[i] == 0) continue;
    if (static_cast<double>(seen + histogram[i]) >= rank) {
      double lower = static_cast<double>(LatencyBucketLower(i));
      double upper = i + 1 < kLatencyBuckets ? static_cast<double>(LatencyBucketLower(i + 1))
                                             : lower * std::sqrt(2.0);
      double fraction = (rank - static_cast<double>(seen)) / static_cast<double>(histogram[i]);
      return static_cast<int64_t>(lower + (upper - lower) * fraction);
    }
    seen += histogram[i];
  }
  return LatencyBucketLower(kLatencyBuckets - 1);
}

}  // namespace nexus::stats
