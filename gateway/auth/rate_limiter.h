#ifndef NEXUS_GATEWAY_AUTH_RATE_LIMITER_H_
#define NEXUS_GATEWAY_AUTH_RATE_LIMITER_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nexus::gateway {

// Holds one concurrency slot of a key until destroyed.
class RateLimitPermit {
 public:
  virtual ~RateLimitPermit() = default;
};

struct RateLimitRejection {
  absl::Duration retry_after;
};

// Per-key requests-per-minute and concurrency limits (per gateway replica). A limit of 0 means
// unlimited. On rejection: RESOURCE_EXHAUSTED whose message says which limit, and *rejection
// tells when to retry.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual absl::StatusOr<std::unique_ptr<RateLimitPermit>> Admit(int64_t key_id,
                                                                 int32_t requests_per_minute,
                                                                 int32_t max_concurrency,
                                                                 RateLimitRejection* rejection) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_RATE_LIMITER_H_
