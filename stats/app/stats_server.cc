#include "stats/app/stats_server.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "services/grpc/tls_credentials.h"

namespace nexus::stats {

absl::StatusOr<std::unique_ptr<StatsServer>> StatsServer::Start(const StatsSettings& settings,
                                                                const log::Logger& logger,
                                                                const Clock& clock) {
  std::error_code error;
  std::filesystem::create_directories(settings.data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", settings.data_dir, ": ", error.message()));
  }
  const std::string path = (std::filesystem::path(settings.data_dir) / "stats.db").string();
  absl::StatusOr<std::unique_ptr<SqliteUsageStore>> store = SqliteUsageStore::Open(path);
  if (!store.ok()) return store.status();
  std::unique_ptr<StatsServer> server(new StatsServer(std::move(*store), clock, settings, logger));
  absl::StatusOr<std::unique_ptr<grpc_runtime::ServerRunner>> runner =
      grpc_runtime::ServerRunner::Start(
          {.listen_address = settings.listen, .tls = settings.grpc_tls},
          {&server->service_, &server->maintenance_});
  if (!runner.ok()) return runner.status();
  server->runner_ = std::move(*runner);
  server->pruner_.Start();
  logger.Info(
      absl::StrCat("stats service listening on ", settings.listen, " (port ", server->port(), ", ",
                   grpc_runtime::ServerSecurityLabel(settings.grpc_tls), "), database ", path));
  return server;
}

StatsServer::StatsServer(std::unique_ptr<SqliteUsageStore> store, const Clock& clock,
                         const StatsSettings& settings, const log::Logger& logger)
    : store_(std::move(store)),
      ledger_(*store_, clock, settings.log_retention),
      service_(ledger_),
      maintenance_((std::filesystem::path(settings.data_dir) / "stats.db").string(),
                   BackupDirectory(settings), clock, logger.WithComponent("stats.maintenance")),
      pruner_(*store_, clock, settings.log_retention, logger) {}

StatsServer::~StatsServer() { Shutdown(absl::Seconds(1)); }

void StatsServer::Shutdown(absl::Duration deadline) {
  if (runner_ != nullptr) runner_->Shutdown(deadline);
  pruner_.Stop();
}

}  // namespace nexus::stats
