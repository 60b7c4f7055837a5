#ifndef NEXUS_GATEWAY_METRICS_METRIC_H_
#define NEXUS_GATEWAY_METRICS_METRIC_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"

// The values behind one label combination. Callers cache references to them: every update is a
// single relaxed atomic operation, with no lookup and no lock.
namespace nexus::gateway::metrics {

// A monotonically increasing integer count (requests, tokens, events).
class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (in-flight streams, pool size).
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Sub(double delta) { value_.fetch_add(-delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, inclusive, in seconds for latencies).
class Histogram {
 public:
  struct Snapshot {
    // Cumulative counts per bound, then the +Inf bucket (== count).
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };

  // `bounds` are strictly increasing and finite; they belong to the family and outlive this.
  explicit Histogram(const std::vector<double>* bounds);

  // NaN observations are ignored: they would poison the sum forever.
  void Observe(double value);
  void ObserveDuration(absl::Duration duration) { Observe(absl::ToDoubleSeconds(duration)); }

  // Counts are read bucket by bucket, so a snapshot taken during updates may mix moments; its
  // count is the sum of its buckets so that _count always equals the +Inf bucket.
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  const std::vector<double>* bounds_;
  // One slot per bound plus the +Inf bucket; non-cumulative.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Buckets for latencies in seconds, from 0.1 ms (gateway overhead) to 2 minutes (long answers).
std::vector<double> DefaultLatencyBuckets();
// `count` bounds: start, start*factor, start*factor^2, ...
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace nexus::gateway::metrics

#endif  // NEXUS_GATEWAY_METRICS_METRIC_H_
