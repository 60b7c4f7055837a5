#ifndef NEXUS_REGISTRY_APP_REGISTRY_APP_H_
#define NEXUS_REGISTRY_APP_REGISTRY_APP_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>

#include "absl/status/statusor.h"
#include "registry/app/registry_settings.h"
#include "registry/crypto/key_ring.h"
#include "registry/domain/registry.h"
#include "registry/service/change_hub.h"
#include "registry/service/registry_grpc_service.h"
#include "registry/store/sqlite_registry_store.h"
#include "services/clock/clock.h"
#include "services/log/logger.h"
#include "services/maintenance/maintenance_grpc_service.h"

namespace nexus::registry {

// The registry service assembled from its settings: data directory, master key, store, admin
// token, change hub and gRPC service. Shared by nexus-registry and the all-in-one binary, which
// each put service() on a gRPC server.
class RegistryApp {
 public:
  // Refuses to start without a usable master key or with one that does not match registry.db.
  // When no admin token exists yet and none is configured, a new one is written once to
  // `announce` (stdout in the binary: never through the logger).
  static absl::StatusOr<std::unique_ptr<RegistryApp>> Open(const RegistrySettings& settings,
                                                           const log::Logger& logger,
                                                           std::ostream& announce);

  grpc::Service* service() { return service_.get(); }
  // nexus.ops.v1.Maintenance (online backup of registry.db), served next to service().
  grpc::Service* maintenance_service() { return maintenance_.get(); }
  Registry& registry() { return *registry_; }
  ChangeHub& hub() { return hub_; }

  // Ends every watch stream so that the server's shutdown need not wait for its deadline.
  void BeginShutdown() { hub_.Close(); }

 private:
  RegistryApp(const crypto::KeyRing& keys, std::unique_ptr<SqliteRegistryStore> store,
              const RegistrySettings& settings, const log::Logger& logger);
  absl::Status SetUpAdminToken(const RegistrySettings& settings, std::ostream& announce);

  log::Logger logger_;
  SystemClock clock_;
  crypto::KeyRing keys_;
  std::unique_ptr<SqliteRegistryStore> store_;
  ChangeHub hub_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<RegistryGrpcService> service_;
  std::unique_ptr<maintenance::MaintenanceGrpcService> maintenance_;
};

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_APP_REGISTRY_APP_H_
