#ifndef NEXUS_GATEWAY_AUTH_CACHING_KEY_RESOLVER_H_
#define NEXUS_GATEWAY_AUTH_CACHING_KEY_RESOLVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "gateway/auth/key_resolver.h"
#include "gateway/auth/registry_client.h"
#include "gateway/auth/registry_watcher.h"
#include "gateway/auth/secret_hasher.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "services/clock/clock.h"

namespace nexus::gateway {

struct CachingKeyResolverOptions {
  // Deadline of each ResolveKey call.
  absl::Duration rpc_timeout = absl::Seconds(2);
  // A cached key is re-asked after this long even without a change event (a safety net for a
  // missed event), and at once after the watch stream broke or a model/provider changed.
  absl::Duration refresh_interval = absl::Seconds(60);
  // While the watch stream is down nothing invalidates the cache: re-ask this often.
  absl::Duration unwatched_refresh_interval = absl::Seconds(1);
  // How long a secret the registry does not know is answered from the cache.
  absl::Duration negative_ttl = absl::Seconds(5);
  // When the registry cannot be reached, a key it confirmed at most this long ago keeps working.
  absl::Duration max_staleness = absl::Minutes(5);
  // After a failed call, known keys are served stale without asking again for this long, so an
  // unreachable registry costs one deadline per interval, not one per request.
  absl::Duration outage_retry_interval = absl::Seconds(1);
  size_t max_entries = 100'000;
  size_t max_negative_entries = 10'000;
  int shard_count = 16;
};

// KeyResolver over the registry's ResolveKey call with a sharded cache keyed by a keyed hash of
// the secret. Register it on a RegistryWatcher: KIND_KEY evicts that key, KIND_RESET clears
// everything, model/provider changes and a broken stream make entries re-verify on next use.
// Concurrent misses for one secret share one RPC. A cache hit takes one shard mutex, never held
// during I/O.
class CachingKeyResolver : public KeyResolver, public ChangeListener {
 public:
  CachingKeyResolver(std::shared_ptr<RegistryClient> registry, const Clock& clock,
                     CachingKeyResolverOptions options = {});
  // Over gRPC (GrpcRegistryClient).
  CachingKeyResolver(std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub,
                     const Clock& clock, CachingKeyResolverOptions options = {});
  ~CachingKeyResolver() override;

  absl::StatusOr<std::shared_ptr<const ResolvedKey>> Resolve(std::string_view secret) override;

  void OnChange(const nexus::registry::v1::ChangeEvent& event) override;
  void OnDisconnect() override;

  // Positive and negative entries currently cached; for tests and metrics.
  size_t CachedKeys() const;
  size_t CachedNegatives() const;

 private:
  struct Entry;
  struct Flight;
  struct Shard;
  using Result = absl::StatusOr<std::shared_ptr<const ResolvedKey>>;

  Shard& ShardFor(const SecretDigest& digest);
  bool Fresh(const Entry& entry, absl::Time now) const;
  Result AskRegistry(std::string_view secret);
  // Stores the outcome of a finished call and returns what the caller gets.
  Result Settle(Shard& shard, const SecretDigest& digest, Result answer, uint64_t key_generation,
                uint64_t epoch, absl::Time now);
  Result StaleOrUnavailable(const Entry* entry, absl::Time now, std::string_view why) const;
  void InsertPositive(Shard& shard, const SecretDigest& digest, Entry entry, absl::Time now);
  void InsertNegative(Shard& shard, const SecretDigest& digest, absl::Time now);

  const std::shared_ptr<RegistryClient> registry_;
  const Clock& clock_;
  const CachingKeyResolverOptions options_;
  const SecretHasher hasher_;
  std::vector<std::unique_ptr<Shard>> shards_;

  // Bumped by every KIND_KEY/RESET: an answer that raced an eviction is not cached.
  std::atomic<uint64_t> key_generation_{0};
  // Bumped by model/provider changes and stream loss: older entries must re-verify.
  std::atomic<uint64_t> epoch_{0};
  std::atomic<bool> watch_live_{false};
  // Unix nanos before which known keys are served stale without asking (registry unreachable).
  std::atomic<int64_t> outage_until_nanos_{0};
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_CACHING_KEY_RESOLVER_H_
