#ifndef NEXUS_GATEWAY_AUTH_FAILED_AUTH_THROTTLE_H_
#define NEXUS_GATEWAY_AUTH_FAILED_AUTH_THROTTLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "services/clock/clock.h"

namespace nexus::gateway {

struct FailedAuthThrottleOptions {
  // Failed authentications an address may make within `window`; the next one starts a lockout.
  // 0 turns the throttle off.
  int max_failures = 20;
  // The counting window, and how long a lockout lasts.
  absl::Duration window = absl::Minutes(1);
  // Addresses tracked at most; beyond it new addresses are not tracked until old ones expire
  // (bounded memory under a spoofed-address flood).
  size_t max_addresses = 100'000;
  int shard_count = 16;
};

// Slows down key guessing: after `max_failures` failed authentications (wrong client key or admin
// token) from one client address within `window`, every request from that address is refused
// (429 with Retry-After) for one `window`, whatever credential it carries.
//
// Why valid keys from a locked-out address are refused too: a throttle that let valid keys through
// would have to check each presented key, so the attacker would still learn which guesses are
// valid (200 instead of 429). Other addresses are never affected. A success does not reset the
// count, so one known key cannot be used to launder guesses.
//
// Addresses: IPv4 by address, IPv6 by its /64 prefix (one host usually owns a whole /64), an
// IPv4-mapped IPv6 address as IPv4. Thread-safe; a lookup takes one shard mutex.
class FailedAuthThrottle {
 public:
  explicit FailedAuthThrottle(const Clock& clock, FailedAuthThrottleOptions options = {});
  ~FailedAuthThrottle();
  FailedAuthThrottle(const FailedAuthThrottle&) = delete;
  FailedAuthThrottle& operator=(const FailedAuthThrottle&) = delete;

  // When `address` is locked out: how long until it may try again (at least one second).
  std::optional<absl::Duration> LockedOut(std::string_view address);
  // Counts one failed authentication from `address`.
  void RecordFailure(std::string_view address);

  bool enabled() const { return options_.max_failures > 0; }
  // Addresses currently tracked; for tests and metrics.
  size_t TrackedAddresses() const;
  // Lockouts started since construction; for metrics.
  int64_t lockouts() const { return lockouts_.load(std::memory_order_relaxed); }

 private:
  struct Shard;

  Shard& ShardFor(const std::string& bucket);

  const Clock& clock_;
  const FailedAuthThrottleOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<size_t> tracked_{0};
  std::atomic<int64_t> lockouts_{0};
};

// The bucket an address is counted in: "203.0.113.7", "2001:db8:1:2::/64"; the text itself when
// it is not an IP address.
std::string ThrottleBucket(std::string_view address);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_FAILED_AUTH_THROTTLE_H_
