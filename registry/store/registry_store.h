#ifndef NEXUS_REGISTRY_STORE_REGISTRY_STORE_H_
#define NEXUS_REGISTRY_STORE_REGISTRY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "registry/domain/types.h"

namespace nexus::registry {

// Persistence of providers, models, client keys and registry settings. Every method is one
// transaction. Missing rows are NOT_FOUND and uniqueness conflicts ALREADY_EXISTS, each naming
// the field, so that the service can pass them on as they are.
class RegistryStore {
 public:
  // Receives a row id and returns the sealed upstream key bound to it.
  using SealFn = absl::FunctionRef<absl::StatusOr<std::string>(int64_t id)>;
  // Changes a row in place; a failure aborts the transaction.
  template <typename T>
  using MutateFn = absl::FunctionRef<absl::Status(T&)>;

  virtual ~RegistryStore() = default;

  // Inserts `provider` (id ignored); `seal` supplies the key once the row id is known.
  virtual absl::StatusOr<Provider> CreateProvider(const Provider& provider, SealFn seal) = 0;
  virtual absl::StatusOr<Provider> GetProvider(int64_t id) = 0;
  virtual absl::StatusOr<Page<Provider>> ListProviders(const PageCursor& cursor) = 0;
  virtual absl::StatusOr<Provider> UpdateProvider(int64_t id, MutateFn<Provider> mutate) = 0;
  // Deletes the provider and its models; returns the ids of the deleted models.
  virtual absl::StatusOr<std::vector<int64_t>> DeleteProvider(int64_t id) = 0;

  virtual absl::StatusOr<Model> CreateModel(const Model& model) = 0;
  virtual absl::StatusOr<Model> GetModel(int64_t id) = 0;
  // provider_id 0: models of every provider.
  virtual absl::StatusOr<Page<Model>> ListModels(int64_t provider_id, const PageCursor& cursor) = 0;
  virtual absl::StatusOr<Model> UpdateModel(int64_t id, MutateFn<Model> mutate) = 0;
  virtual absl::Status DeleteModel(int64_t id) = 0;

  // `secret_hash` is the keyed hash of the secret; it must be unique.
  virtual absl::StatusOr<ClientKey> CreateKey(const ClientKey& key,
                                              std::string_view secret_hash) = 0;
  virtual absl::StatusOr<ClientKey> GetKey(int64_t id) = 0;
  virtual absl::StatusOr<Page<ClientKey>> ListKeys(const PageCursor& cursor) = 0;
  virtual absl::StatusOr<ClientKey> UpdateKey(int64_t id, MutateFn<ClientKey> mutate) = 0;
  virtual absl::Status DeleteKey(int64_t id) = 0;
  // The key whose secret hashes to `secret_hash` with the hash as stored (for a constant-time
  // comparison by the caller), or nullopt.
  virtual absl::StatusOr<std::optional<std::pair<ClientKey, std::string>>> FindKeyByHash(
      std::string_view secret_hash) = 0;

  // Enabled models of enabled providers; when `model` is set, only those with that name.
  // Ordered by model name, provider priority, provider id, model id.
  virtual absl::StatusOr<std::vector<RouteRow>> ListRouteRows(
      std::optional<std::string_view> model) = 0;

  // Small named values of the registry itself (admin token hash, master key check).
  virtual absl::StatusOr<std::optional<std::string>> GetSetting(std::string_view name) = 0;
  virtual absl::Status PutSetting(std::string_view name, std::string_view value) = 0;
};

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_STORE_REGISTRY_STORE_H_
