#include "gateway/auth/caching_key_resolver.h"

#include <algorithm>
#include <condition_variable>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/grpc_registry_client.h"
#include "gateway/io/fiber.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {

using nexus::registry::v1::ChangeEvent;
using nexus::registry::v1::ResolveKeyResponse;

struct CachingKeyResolver::Entry {
  std::shared_ptr<const ResolvedKey> value;
  absl::Time verified_at;
  uint64_t epoch = 0;
};

struct CachingKeyResolver::Flight {
  bool done = false;
  Result result = absl::UnknownError("in flight");
};

struct CachingKeyResolver::Shard {
  mutable std::mutex mutex;
  std::condition_variable flight_done;
  absl::flat_hash_map<SecretDigest, Entry> positive;
  absl::flat_hash_map<SecretDigest, absl::Time> negative;  // -> expiry
  absl::flat_hash_map<SecretDigest, std::shared_ptr<Flight>> flights;
};

namespace {

absl::Status UnknownKeyError() { return absl::UnauthenticatedError("Incorrect API key provided."); }

// Answers that mean "this secret is not a key"; everything else is the registry's trouble.
bool IsUnknownKey(absl::StatusCode code) {
  return code == absl::StatusCode::kUnauthenticated || code == absl::StatusCode::kNotFound ||
         code == absl::StatusCode::kInvalidArgument;
}

}  // namespace

CachingKeyResolver::CachingKeyResolver(
    std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub, const Clock& clock,
    CachingKeyResolverOptions options)
    : CachingKeyResolver(std::make_shared<GrpcRegistryClient>(std::move(stub)), clock, options) {}

CachingKeyResolver::CachingKeyResolver(std::shared_ptr<RegistryClient> registry, const Clock& clock,
                                       CachingKeyResolverOptions options)
    : registry_(std::move(registry)), clock_(clock), options_(options) {
  const int count = std::max(1, options_.shard_count);
  shards_.reserve(count);
  for (int i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

CachingKeyResolver::~CachingKeyResolver() = default;

CachingKeyResolver::Shard& CachingKeyResolver::ShardFor(const SecretDigest& digest) {
  return *shards_[digest.Shard(shards_.size())];
}

bool CachingKeyResolver::Fresh(const Entry& entry, absl::Time now) const {
  if (entry.epoch != epoch_.load(std::memory_order_acquire)) return false;
  const absl::Duration ttl = watch_live_.load(std::memory_order_acquire)
                                 ? options_.refresh_interval
                                 : options_.unwatched_refresh_interval;
  return now - entry.verified_at < ttl;
}

absl::StatusOr<std::shared_ptr<const ResolvedKey>> CachingKeyResolver::Resolve(
    std::string_view secret) {
  if (secret.empty()) return absl::UnauthenticatedError("You didn't provide an API key.");
  const SecretDigest digest = hasher_.Hash(secret);
  const absl::Time now = clock_.Now();
  Shard& shard = ShardFor(digest);
  std::unique_lock lock(shard.mutex);

  const auto positive = shard.positive.find(digest);
  const Entry* entry = positive == shard.positive.end() ? nullptr : &positive->second;
  if (entry != nullptr && Fresh(*entry, now)) return entry->value;
  if (const auto negative = shard.negative.find(digest); negative != shard.negative.end()) {
    if (now < negative->second) return UnknownKeyError();
    shard.negative.erase(negative);
  }
  if (absl::ToUnixNanos(now) < outage_until_nanos_.load(std::memory_order_acquire)) {
    return StaleOrUnavailable(entry, now, "registry unreachable");
  }
  if (const auto flight = shard.flights.find(digest); flight != shard.flights.end()) {
    std::shared_ptr<Flight> joined = flight->second;
    lock.unlock();
    // Waited for off the connection fiber: the flight's owner may be another fiber of this very
    // event loop, which could never finish while the loop thread sat in this wait.
    io::RunBlocking([&] {
      std::unique_lock wait_lock(shard.mutex);
      shard.flight_done.wait(wait_lock, [&] { return joined->done; });
    });
    return joined->result;
  }

  auto flight = std::make_shared<Flight>();
  shard.flights.emplace(digest, flight);
  const uint64_t key_generation = key_generation_.load(std::memory_order_acquire);
  const uint64_t epoch = epoch_.load(std::memory_order_acquire);
  lock.unlock();
  Result answer = AskRegistry(secret);
  lock.lock();
  Result result = Settle(shard, digest, std::move(answer), key_generation, epoch, now);
  flight->result = result;
  flight->done = true;
  shard.flights.erase(digest);
  lock.unlock();
  shard.flight_done.notify_all();
  return result;
}

CachingKeyResolver::Result CachingKeyResolver::AskRegistry(std::string_view secret) {
  absl::StatusOr<ResolveKeyResponse> response = registry_->ResolveKey(secret, options_.rpc_timeout);
  if (response.ok()) {
    auto resolved = std::make_shared<ResolvedKey>();
    resolved->key = std::move(*response->mutable_key());
    resolved->models.assign(response->models().begin(), response->models().end());
    return std::shared_ptr<const ResolvedKey>(std::move(resolved));
  }
  const absl::StatusCode code = response.status().code();
  if (IsUnknownKey(code)) return UnknownKeyError();
  const std::string why = absl::StrCat("key registry call failed: ", response.status().message());
  // Only transport trouble means "the registry is down"; any other failure concerns this call.
  if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
    return absl::UnavailableError(why);
  }
  return absl::InternalError(why);
}

CachingKeyResolver::Result CachingKeyResolver::Settle(Shard& shard, const SecretDigest& digest,
                                                      Result answer, uint64_t key_generation,
                                                      uint64_t epoch, absl::Time now) {
  const auto positive = shard.positive.find(digest);
  if (answer.ok()) {
    outage_until_nanos_.store(0, std::memory_order_release);
    // An eviction that ran while we asked may be newer than this answer: use it once, keep none.
    if (key_generation == key_generation_.load(std::memory_order_acquire)) {
      InsertPositive(shard, digest, Entry{*answer, now, epoch}, now);
    } else if (positive != shard.positive.end()) {
      shard.positive.erase(positive);
    }
    return answer;
  }
  if (answer.status().code() == absl::StatusCode::kUnauthenticated) {
    outage_until_nanos_.store(0, std::memory_order_release);
    if (positive != shard.positive.end()) shard.positive.erase(positive);
    InsertNegative(shard, digest, now);
    return answer;
  }
  if (answer.status().code() == absl::StatusCode::kUnavailable) {
    outage_until_nanos_.store(absl::ToUnixNanos(now + options_.outage_retry_interval),
                              std::memory_order_release);
  }
  return StaleOrUnavailable(positive == shard.positive.end() ? nullptr : &positive->second, now,
                            Sv(answer.status().message()));
}

CachingKeyResolver::Result CachingKeyResolver::StaleOrUnavailable(const Entry* entry,
                                                                  absl::Time now,
                                                                  std::string_view why) const {
  if (entry != nullptr && now - entry->verified_at <= options_.max_staleness) return entry->value;
  return absl::UnavailableError(
      absl::StrCat("The API key cannot be checked right now (", Av(why), "). Please retry."));
}

void CachingKeyResolver::InsertPositive(Shard& shard, const SecretDigest& digest, Entry entry,
                                        absl::Time now) {
  const size_t limit = std::max<size_t>(1, options_.max_entries / shards_.size());
  if (shard.positive.size() >= limit && !shard.positive.contains(digest)) {
    absl::erase_if(shard.positive, [&](const auto& item) {
      return now - item.second.verified_at > options_.max_staleness;
    });
    // Still full: drop an arbitrary entry; it is re-asked on its next use.
    if (shard.positive.size() >= limit) shard.positive.erase(shard.positive.begin());
  }
  shard.positive.insert_or_assign(digest, std::move(entry));
}

void CachingKeyResolver::InsertNegative(Shard& shard, const SecretDigest& digest, absl::Time now) {
  const size_t limit = std::max<size_t>(1, options_.max_negative_entries / shards_.size());
  if (shard.negative.size() >= limit && !shard.negative.contains(digest)) {
    absl::erase_if(shard.negative, [&](const auto& item) { return item.second <= now; });
    if (shard.negative.size() >= limit) shard.negative.erase(shard.negative.begin());
  }
  shard.negative.insert_or_assign(digest, now + options_.negative_ttl);
}

void CachingKeyResolver::OnChange(const ChangeEvent& event) {
  switch (event.kind()) {
    case ChangeEvent::KIND_RESET:
      key_generation_.fetch_add(1, std::memory_order_acq_rel);
      epoch_.fetch_add(1, std::memory_order_acq_rel);
      watch_live_.store(true, std::memory_order_release);
      // The registry answers again: ask it at once. Left set, the outage window would refuse
      // every key (the cache is cleared just below) until it ran out.
      outage_until_nanos_.store(0, std::memory_order_release);
      for (auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        shard->positive.clear();
        shard->negative.clear();
      }
      return;
    case ChangeEvent::KIND_KEY:
      key_generation_.fetch_add(1, std::memory_order_acq_rel);
      for (auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        absl::erase_if(shard->positive,
                       [&](const auto& item) { return item.second.value->key.id() == event.id(); });
      }
      return;
    case ChangeEvent::KIND_PROVIDER:
    case ChangeEvent::KIND_MODEL:
      // The key's list of usable models may have changed.
      epoch_.fetch_add(1, std::memory_order_acq_rel);
      return;
    default:
      return;
  }
}

void CachingKeyResolver::OnDisconnect() {
  watch_live_.store(false, std::memory_order_release);
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

size_t CachingKeyResolver::CachedKeys() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->positive.size();
  }
  return total;
}

size_t CachingKeyResolver::CachedNegatives() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->negative.size();
  }
  return total;
}

}  // namespace nexus::gateway
