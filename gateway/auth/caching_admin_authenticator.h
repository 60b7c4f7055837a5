#ifndef NEXUS_GATEWAY_AUTH_CACHING_ADMIN_AUTHENTICATOR_H_
#define NEXUS_GATEWAY_AUTH_CACHING_ADMIN_AUTHENTICATOR_H_

#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "gateway/auth/admin_authenticator.h"
#include "gateway/auth/registry_client.h"
#include "gateway/auth/registry_watcher.h"
#include "gateway/auth/secret_hasher.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "services/clock/clock.h"

namespace nexus::gateway {

struct CachingAdminAuthenticatorOptions {
  // Deadline of each CheckAdminToken call.
  absl::Duration rpc_timeout = absl::Seconds(2);
  // How long an accepted token is trusted without asking again. Short, because a rotated admin
  // token produces no change event.
  absl::Duration positive_ttl = absl::Seconds(30);
  // Admin tokens are few; distinct accepted tokens beyond this evict the oldest.
  size_t max_entries = 64;
};

// AdminAuthenticator over the registry's CheckAdminToken. Only acceptances are cached (by keyed
// hash, for positive_ttl); a refusal is always re-asked, an unreachable registry with nothing
// cached is UNAVAILABLE. Register it on a RegistryWatcher so KIND_RESET drops the cache.
class CachingAdminAuthenticator : public AdminAuthenticator, public ChangeListener {
 public:
  CachingAdminAuthenticator(std::shared_ptr<RegistryClient> registry, const Clock& clock,
                            CachingAdminAuthenticatorOptions options = {});
  // Over gRPC (GrpcRegistryClient).
  CachingAdminAuthenticator(std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub,
                            const Clock& clock, CachingAdminAuthenticatorOptions options = {});

  absl::Status Check(std::string_view token) override;

  void OnChange(const nexus::registry::v1::ChangeEvent& event) override;

 private:
  const std::shared_ptr<RegistryClient> registry_;
  const Clock& clock_;
  const CachingAdminAuthenticatorOptions options_;
  const SecretHasher hasher_;

  std::mutex mutex_;
  absl::flat_hash_map<SecretDigest, absl::Time> accepted_;  // -> expiry
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_CACHING_ADMIN_AUTHENTICATOR_H_
