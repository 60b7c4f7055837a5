#ifndef NEXUS_GATEWAY_AUTH_LOCAL_RATE_LIMITER_H_
#define NEXUS_GATEWAY_AUTH_LOCAL_RATE_LIMITER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gateway/auth/rate_limiter.h"
#include "services/clock/clock.h"

namespace nexus::gateway {

struct LocalRateLimiterOptions {
  // Independent lock domains; keys spread over them by id.
  int shard_count = 16;
  // A key that has not been seen for this long and holds no permit is forgotten. At least two
  // windows, so that forgetting never loses a count that still matters.
  absl::Duration idle_expiry = absl::Minutes(2);
  // What a concurrency rejection suggests: a slot frees whenever any call ends.
  absl::Duration concurrency_retry_after = absl::Seconds(1);
};

// Requests per minute with a sliding-window counter: the count of the current fixed one-minute
// window plus the previous window's count weighted by how much of it still overlaps the last 60
// seconds. A request is admitted while that estimate is below the limit. This smooths the
// boundary burst of a plain fixed window (at most `limit` requests in any minute if arrivals in
// the previous window were uniform) with two integers per key, and needs no per-request history.
//
// Concurrency: a per-key in-flight counter; the permit decrements it when destroyed (lock-free).
// Rejected requests count against neither limit. Limits are per gateway replica.
class LocalRateLimiter : public RateLimiter {
 public:
  explicit LocalRateLimiter(const Clock& clock, LocalRateLimiterOptions options = {});
  ~LocalRateLimiter() override;

  absl::StatusOr<std::unique_ptr<RateLimitPermit>> Admit(int64_t key_id,
                                                         int32_t requests_per_minute,
                                                         int32_t max_concurrency,
                                                         RateLimitRejection* rejection) override;

  // Keys currently tracked (after expiring idle ones lazily); for tests and metrics.
  size_t TrackedKeys() const;

  struct KeyState;

 private:
  struct Shard;

  Shard& ShardFor(int64_t key_id);
  void SweepIdle(Shard& shard, absl::Time now);

  const Clock& clock_;
  const LocalRateLimiterOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_LOCAL_RATE_LIMITER_H_
