#include "gateway/auth/failed_auth_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"

namespace nexus::gateway {

struct FailedAuthThrottle::Shard {
  struct Entry {
    absl::Time window_start;
    int failures = 0;
    absl::Time locked_until = absl::InfinitePast();

    // Neither locked out nor inside a counting window: nothing worth remembering.
    bool Expired(absl::Time now, absl::Duration window) const {
      return locked_until <= now && now - window_start >= window;
    }
  };
  std::mutex mutex;
  absl::flat_hash_map<std::string, Entry> entries;
};

std::string ThrottleBucket(std::string_view address) {
  std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return text;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    char out[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &v4, out, sizeof(out));
    return out;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &v6, out, sizeof(out));
  return std::string(out) + "/64";
}

FailedAuthThrottle::FailedAuthThrottle(const Clock& clock, FailedAuthThrottleOptions options)
    : clock_(clock), options_(options) {
  const int count = std::max(1, options_.shard_count);
  for (int i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

FailedAuthThrottle::~FailedAuthThrottle() = default;

FailedAuthThrottle::Shard& FailedAuthThrottle::ShardFor(const std::string& bucket) {
  return *shards_[absl::HashOf(bucket) % shards_.size()];
}

std::optional<absl::Duration> FailedAuthThrottle::LockedOut(std::string_view address) {
  if (!enabled() || tracked_.load(std::memory_order_relaxed) == 0) return std::nullopt;
  const std::string bucket = ThrottleBucket(address);
  Shard& shard = ShardFor(bucket);
  const absl::Time now = clock_.Now();
  std::lock_guard lock(shard.mutex);
  auto found = shard.entries.find(bucket);
  if (found == shard.entries.end()) return std::nullopt;
  const Shard::Entry& entry = found->second;
  if (entry.locked_until > now) {
    // Whole seconds, rounded up: Retry-After has no finer unit.
    return std::max(absl::Seconds(1), absl::Ceil(entry.locked_until - now, absl::Seconds(1)));
  }
  if (entry.Expired(now, options_.window)) {
    shard.entries.erase(found);
    tracked_.fetch_sub(1, std::memory_order_relaxed);
  }
  return std::nullopt;
}

void FailedAuthThrottle::RecordFailure(std::string_view address) {
  if (!enabled()) return;
  const std::string bucket = ThrottleBucket(address);
  Shard& shard = ShardFor(bucket);
  const absl::Time now = clock_.Now();
  std::lock_guard lock(shard.mutex);
  auto found = shard.entries.find(bucket);
  if (found == shard.entries.end()) {
    if (tracked_.load(std::memory_order_relaxed) >= options_.max_addresses) {
      // Full: forget this shard's expired entries; when none expired, leave the address
      // untracked rather than grow without bound.
      const size_t before = shard.entries.size();
      absl::erase_if(shard.entries,
                     [&](const auto& item) { return item.second.Expired(now, options_.window); });
      tracked_.fetch_sub(before - shard.entries.size(), std::memory_order_relaxed);
      if (tracked_.load(std::memory_order_relaxed) >= options_.max_addresses) return;
    }
    found = shard.entries.emplace(bucket, Shard::Entry{.window_start = now}).first;
    tracked_.fetch_add(1, std::memory_order_relaxed);
  }
  Shard::Entry& entry = found->second;
  if (entry.locked_until > now) return;  // already locked out: nothing more to count
  if (now - entry.window_start >= options_.window) {
    entry.window_start = now;
    entry.failures = 0;
  }
  if (++entry.failures >= options_.max_failures) {
    entry.locked_until = now + options_.window;
    entry.window_start = now;
    entry.failures = 0;
    lockouts_.fetch_add(1, std::memory_order_relaxed);
  }
}

size_t FailedAuthThrottle::TrackedAddresses() const {
  return tracked_.load(std::memory_order_relaxed);
}

}  // namespace nexus::gateway
