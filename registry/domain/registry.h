#ifndef NEXUS_REGISTRY_DOMAIN_REGISTRY_H_
#define NEXUS_REGISTRY_DOMAIN_REGISTRY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "registry/crypto/key_ring.h"
#include "registry/domain/change_sink.h"
#include "registry/domain/types.h"
#include "registry/store/registry_store.h"
#include "services/clock/clock.h"

namespace nexus::registry {

// What the registry does: validates requests, seals upstream keys, issues and resolves client
// keys, and announces every committed change. The gRPC edge only converts to and from this.
class Registry {
 public:
  Registry(RegistryStore& store, const crypto::KeyRing& keys, const Clock& clock,
           ChangeSink& changes);

  absl::StatusOr<Provider> CreateProvider(const NewProvider& request);
  absl::StatusOr<Provider> GetProvider(int64_t id);
  absl::StatusOr<Page<Provider>> ListProviders(const PageRequest& page);
  absl::StatusOr<Provider> UpdateProvider(int64_t id, const ProviderPatch& patch);
  absl::Status DeleteProvider(int64_t id);

  absl::StatusOr<Model> CreateModel(const Model& request);
  absl::StatusOr<Model> GetModel(int64_t id);
  absl::StatusOr<Page<Model>> ListModels(int64_t provider_id, const PageRequest& page);
  absl::StatusOr<Model> UpdateModel(int64_t id, const ModelPatch& patch);
  absl::Status DeleteModel(int64_t id);

  absl::StatusOr<CreatedKey> CreateKey(const NewKey& request);
  absl::StatusOr<ClientKey> GetKey(int64_t id);
  absl::StatusOr<Page<ClientKey>> ListKeys(const PageRequest& page);
  absl::StatusOr<ClientKey> UpdateKey(int64_t id, const KeyPatch& patch);
  // Permanent; revoking a revoked key again is a no-op that keeps the first revocation time.
  absl::StatusOr<ClientKey> RevokeKey(int64_t id);
  absl::Status DeleteKey(int64_t id);

  // The key a secret belongs to (as stored, disabled or revoked included: the caller enforces),
  // the models it may use and, when `model` is non-empty, the routes for it. UNAUTHENTICATED
  // "invalid API key" when no key matches.
  absl::StatusOr<ResolvedKey> ResolveKey(std::string_view secret, std::string_view model);
  // Every enabled route, ordered by model, then priority.
  absl::StatusOr<std::vector<Route>> ListRoutes();

  absl::StatusOr<bool> CheckAdminToken(std::string_view token);
  // Stores the hash of `token` as the admin token, replacing any previous one.
  absl::Status SetAdminToken(std::string_view token);
  absl::StatusOr<bool> HasAdminToken();

  // Fails when registry.db was created with another master key; records the key on first use.
  absl::Status VerifyMasterKey();

 private:
  int64_t NowMs() const;
  absl::StatusOr<Route> MakeRoute(const RouteRow& row) const;

  RegistryStore& store_;
  const crypto::KeyRing& keys_;
  const Clock& clock_;
  ChangeSink& changes_;
};

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_DOMAIN_REGISTRY_H_
