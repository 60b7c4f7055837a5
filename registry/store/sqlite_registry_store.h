#ifndef NEXUS_REGISTRY_STORE_SQLITE_REGISTRY_STORE_H_
#define NEXUS_REGISTRY_STORE_SQLITE_REGISTRY_STORE_H_

#include <memory>
#include <string>

#include "registry/store/registry_store.h"
#include "services/sqlite/database.h"

namespace nexus::registry {

// RegistryStore on one SQLite file (registry.db) through services/sqlite.
class SqliteRegistryStore : public RegistryStore {
 public:
  // Opens or creates the file and applies the registry migrations.
  static absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> Open(
      const std::string& path, const sqlite::DatabaseOptions& options = {});
  explicit SqliteRegistryStore(std::unique_ptr<sqlite::Database> db);

  absl::StatusOr<Provider> CreateProvider(const Provider& provider, SealFn seal) override;
  absl::StatusOr<Provider> GetProvider(int64_t id) override;
  absl::StatusOr<Page<Provider>> ListProviders(const PageCursor& cursor) override;
  absl::StatusOr<Provider> UpdateProvider(int64_t id, MutateFn<Provider> mutate) override;
  absl::StatusOr<std::vector<int64_t>> DeleteProvider(int64_t id) override;

  absl::StatusOr<Model> CreateModel(const Model& model) override;
  absl::StatusOr<Model> GetModel(int64_t id) override;
  absl::StatusOr<Page<Model>> ListModels(int64_t provider_id, const PageCursor& cursor) override;
  absl::StatusOr<Model> UpdateModel(int64_t id, MutateFn<Model> mutate) override;
  absl::Status DeleteModel(int64_t id) override;

  absl::StatusOr<ClientKey> CreateKey(const ClientKey& key, std::string_view secret_hash) override;
  absl::StatusOr<ClientKey> GetKey(int64_t id) override;
  absl::StatusOr<Page<ClientKey>> ListKeys(const PageCursor& cursor) override;
  absl::StatusOr<ClientKey> UpdateKey(int64_t id, MutateFn<ClientKey> mutate) override;
  absl::Status DeleteKey(int64_t id) override;
  absl::StatusOr<std::optional<std::pair<ClientKey, std::string>>> FindKeyByHash(
      std::string_view secret_hash) override;

  absl::StatusOr<std::vector<RouteRow>> ListRouteRows(
      std::optional<std::string_view> model) override;

  absl::StatusOr<std::optional<std::string>> GetSetting(std::string_view name) override;
  absl::Status PutSetting(std::string_view name, std::string_view value) override;

  sqlite::Database& database() { return *db_; }

 private:
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_STORE_SQLITE_REGISTRY_STORE_H_
