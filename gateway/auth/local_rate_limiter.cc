#include "gateway/auth/local_rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace nexus::gateway {
namespace {

constexpr int64_t kWindowNanos = int64_t{60} * 1'000'000'000;

// Rounds strictly up to whole milliseconds so that a client retrying at exactly retry_after is
// past the boundary (admission needs the estimate strictly below the limit).
absl::Duration CeilMillis(double nanos) {
  return absl::Milliseconds(static_cast<int64_t>(std::ceil((std::max(nanos, 0.0) + 1.0) / 1e6)));
}

std::string FormatDelay(absl::Duration d) { return absl::StrCat(absl::ToDoubleSeconds(d), "s"); }

}  // namespace

struct LocalRateLimiter::KeyState {
  int64_t window_index = 0;
  int64_t current_count = 0;
  int64_t previous_count = 0;
  absl::Time last_used;
  std::atomic<int32_t> in_flight{0};
};

struct LocalRateLimiter::Shard {
  mutable std::mutex mutex;
  absl::flat_hash_map<int64_t, std::shared_ptr<KeyState>> keys;
  absl::Time next_sweep = absl::InfinitePast();
};

namespace {

class NoLimitPermit : public RateLimitPermit {};

class ConcurrencyPermit : public RateLimitPermit {
 public:
  explicit ConcurrencyPermit(std::shared_ptr<LocalRateLimiter::KeyState> state)
      : state_(std::move(state)) {}
  ~ConcurrencyPermit() override { state_->in_flight.fetch_sub(1, std::memory_order_release); }

 private:
  std::shared_ptr<LocalRateLimiter::KeyState> state_;
};

}  // namespace

LocalRateLimiter::LocalRateLimiter(const Clock& clock, LocalRateLimiterOptions options)
    : clock_(clock), options_(options) {
  const int count = std::max(1, options_.shard_count);
  shards_.reserve(count);
  for (int i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

LocalRateLimiter::~LocalRateLimiter() = default;

LocalRateLimiter::Shard& LocalRateLimiter::ShardFor(int64_t key_id) {
  return *shards_[static_cast<uint64_t>(key_id) % shards_.size()];
}

void LocalRateLimiter::SweepIdle(Shard& shard, absl::Time now) {
  if (now < shard.next_sweep) return;
  shard.next_sweep = now + options_.idle_expiry / 2;
  absl::erase_if(shard.keys, [&](const auto& entry) {
    const KeyState& state = *entry.second;
    return state.last_used + options_.idle_expiry <= now &&
           state.in_flight.load(std::memory_order_acquire) == 0;
  });
}

absl::StatusOr<std::unique_ptr<RateLimitPermit>> LocalRateLimiter::Admit(
    int64_t key_id, int32_t requests_per_minute, int32_t max_concurrency,
    RateLimitRejection* rejection) {
  if (requests_per_minute <= 0 && max_concurrency <= 0) return std::make_unique<NoLimitPermit>();
  const absl::Time now = clock_.Now();
  const int64_t now_nanos = absl::ToUnixNanos(now);
  const int64_t window_index = now_nanos / kWindowNanos;
  const double fraction = static_cast<double>(now_nanos % kWindowNanos) / kWindowNanos;

  Shard& shard = ShardFor(key_id);
  std::lock_guard lock(shard.mutex);
  SweepIdle(shard, now);
  std::shared_ptr<KeyState>& slot = shard.keys[key_id];
  if (slot == nullptr) {
    slot = std::make_shared<KeyState>();
    slot->window_index = window_index;
  }
  KeyState& state = *slot;
  state.last_used = now;
  if (state.window_index != window_index) {
    state.previous_count = state.window_index + 1 == window_index ? state.current_count : 0;
    state.current_count = 0;
    state.window_index = window_index;
  }

  if (max_concurrency > 0 && state.in_flight.load(std::memory_order_acquire) >= max_concurrency) {
    const absl::Duration retry = options_.concurrency_retry_after;
    if (rejection != nullptr) rejection->retry_after = retry;
    return absl::ResourceExhaustedError(
        absl::StrCat("Concurrency limit reached: this API key allows ", max_concurrency,
                     " concurrent requests. Please try again in ", FormatDelay(retry), "."));
  }
  if (requests_per_minute > 0) {
    const double limit = requests_per_minute;
    const double previous = static_cast<double>(state.previous_count);
    const double current = static_cast<double>(state.current_count);
    if (previous * (1.0 - fraction) + current >= limit) {
      // When the previous window's weight will have decayed enough (same window), or after the
      // current window has rolled over and its own count decays (current already at the limit).
      double wait_fraction;
      if (current < limit) {
        wait_fraction = (1.0 - (limit - current) / previous) - fraction;
      } else {
        wait_fraction = (1.0 - fraction) + (1.0 - limit / current);
      }
      const absl::Duration retry = CeilMillis(wait_fraction * kWindowNanos);
      if (rejection != nullptr) rejection->retry_after = retry;
      return absl::ResourceExhaustedError(absl::StrCat(
          "Rate limit reached: this API key allows ", requests_per_minute,
          " requests per minute (RPM). Please try again in ", FormatDelay(retry), "."));
    }
    ++state.current_count;
  }
  state.in_flight.fetch_add(1, std::memory_order_acq_rel);
  return std::make_unique<ConcurrencyPermit>(slot);
}

size_t LocalRateLimiter::TrackedKeys() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->keys.size();
  }
  return total;
}

}  // namespace nexus::gateway
