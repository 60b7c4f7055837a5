// nexus-hub: registry, stats and gateway in one process for one-machine use. The three still talk
// gRPC over loopback, so this runs the same code path as separate services.
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/app/gateway_app.h"
#include "gateway/app/gateway_settings.h"
#include "registry/app/registry_app.h"
#include "registry/app/registry_settings.h"
#include "services/config/config.h"
#include "services/grpc/server_runner.h"
#include "services/log/logger.h"
#include "services/process/shutdown_signal.h"
#include "stats/app/stats_server.h"
#include "stats/app/stats_settings.h"

namespace {

constexpr int kExitSettings = 2;
constexpr int kExitFailure = 1;

// The services listen where the gateway will look for them: NEXUS_REGISTRY_ADDR and
// NEXUS_STATS_ADDR stand in for the services' own listen variables unless those are set.
std::optional<std::string> HubEnv(const std::string& name) {
  if (auto value = nexus::config::ProcessEnv(name)) return value;
  if (name == "NEXUS_REGISTRY_LISTEN") return nexus::config::ProcessEnv("NEXUS_REGISTRY_ADDR");
  if (name == "NEXUS_STATS_LISTEN") return nexus::config::ProcessEnv("NEXUS_STATS_ADDR");
  return std::nullopt;
}

template <typename Settings, typename Read>
absl::StatusOr<Settings> LoadFromEnv(std::span<const nexus::config::SettingSpec> specs, Read read) {
  const char* argv[] = {"nexus-hub"};
  absl::StatusOr<nexus::config::Config> config =
      nexus::config::Config::Load(specs, 1, argv, HubEnv);
  if (!config.ok()) return config.status();
  return read(*config);
}

int Run(int argc, char** argv) {
  nexus::process::BlockShutdownSignals();
  // A file-size limit must fail the write (EFBIG: the usage spool counts and logs it) rather than
  // kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  auto gateway_specs = nexus::gateway::GatewaySettingSpecs();
  absl::StatusOr<nexus::config::Config> config =
      nexus::config::Config::Load(gateway_specs, argc, argv, HubEnv);
  if (!config.ok()) {
    std::cerr << "nexus-hub: " << config.status().message() << "\n";
    return kExitSettings;
  }
  if (config->help_requested()) {
    std::cout << nexus::config::Config::Usage(
        "nexus-hub (gateway settings; the registry and "
        "stats settings are read from NEXUS_* variables)",
        gateway_specs);
    return 0;
  }
  auto gateway = nexus::gateway::ReadGatewaySettings(*config);
  auto registry = LoadFromEnv<nexus::registry::RegistrySettings>(
      nexus::registry::RegistrySettingSpecs(), nexus::registry::ReadRegistrySettings);
  auto stats = LoadFromEnv<nexus::stats::StatsSettings>(nexus::stats::StatsSettingSpecs(),
                                                        nexus::stats::StatsSettingsFromConfig);
  for (const absl::Status& s : {gateway.status(), registry.status(), stats.status()}) {
    if (!s.ok()) {
      std::cerr << "nexus-hub: " << s.message() << "\n";
      return kExitSettings;
    }
  }
  auto redactor = std::make_shared<nexus::log::Redactor>();
  redactor->AddSecret(registry->master_key);
  redactor->AddSecret(registry->admin_token);
  nexus::log::Logger logger("hub", gateway->log_level, std::make_shared<nexus::log::StderrSink>(),
                            redactor);

  auto registry_app =
      nexus::registry::RegistryApp::Open(*registry, logger.WithComponent("registry"), std::cout);
  if (!registry_app.ok()) {
    logger.Error(absl::StrCat("registry cannot start: ", registry_app.status().message()));
    return kExitFailure;
  }
  auto registry_runner = nexus::grpc_runtime::ServerRunner::Start(
      {.listen_address = registry->listen, .tls = registry->grpc_tls},
      {(*registry_app)->service(), (*registry_app)->maintenance_service()});
  if (!registry_runner.ok()) {
    logger.Error(absl::StrCat("registry cannot start: ", registry_runner.status().message()));
    return kExitFailure;
  }
  nexus::SystemClock clock;
  auto stats_server =
      nexus::stats::StatsServer::Start(*stats, logger.WithComponent("stats"), clock);
  if (!stats_server.ok()) {
    logger.Error(absl::StrCat("stats cannot start: ", stats_server.status().message()));
    return kExitFailure;
  }
  auto gateway_app = nexus::gateway::GatewayApp::Start(*gateway, logger.WithComponent("gateway"));
  if (!gateway_app.ok()) {
    logger.Error(absl::StrCat("gateway cannot start: ", gateway_app.status().message()));
    return kExitFailure;
  }
  logger.Info(absl::StrCat("serving: gateway http://", gateway->listen_host, ":",
                           (*gateway_app)->port(), ", registry ", registry->listen, ", stats ",
                           stats->listen, ", data in ", registry->data_dir));
  int signal = nexus::process::WaitForShutdownSignal();
  logger.Info(absl::StrCat("signal ", signal, ": shutting down"));
  (*gateway_app)->Shutdown(gateway->shutdown_timeout);
  (*registry_app)->BeginShutdown();
  (*registry_runner)->Shutdown(registry->shutdown_timeout);
  (*stats_server)->Shutdown(stats->shutdown_timeout);
  logger.Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
