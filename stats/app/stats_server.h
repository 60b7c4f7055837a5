#ifndef NEXUS_STATS_APP_STATS_SERVER_H_
#define NEXUS_STATS_APP_STATS_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "services/clock/clock.h"
#include "services/grpc/server_runner.h"
#include "services/log/logger.h"
#include "services/maintenance/maintenance_grpc_service.h"
#include "stats/app/log_pruner.h"
#include "stats/app/stats_settings.h"
#include "stats/domain/usage_ledger.h"
#include "stats/service/stats_grpc_service.h"
#include "stats/store/sqlite_usage_store.h"

namespace nexus::stats {

// The whole stats service wired together: stats.db, the ledger, the gRPC server and the
// request-log pruner. Used by nexus-stats and by the all-in-one binary.
class StatsServer {
 public:
  // `clock` must outlive the server.
  static absl::StatusOr<std::unique_ptr<StatsServer>> Start(const StatsSettings& settings,
                                                            const log::Logger& logger,
                                                            const Clock& clock);
  ~StatsServer();

  int port() const { return runner_->port(); }
  std::shared_ptr<grpc::Channel> InProcessChannel() { return runner_->InProcessChannel(); }
  // Stops taking calls, lets in-flight ones finish until `deadline`, stops the pruner.
  void Shutdown(absl::Duration deadline);

 private:
  StatsServer(std::unique_ptr<SqliteUsageStore> store, const Clock& clock,
              const StatsSettings& settings, const log::Logger& logger);

  std::unique_ptr<SqliteUsageStore> store_;
  UsageLedger ledger_;
  StatsGrpcService service_;
  maintenance::MaintenanceGrpcService maintenance_;
  LogPruner pruner_;
  std::unique_ptr<grpc_runtime::ServerRunner> runner_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_APP_STATS_SERVER_H_
