// nexus-registry: providers, models and client keys over gRPC, owning registry.db.
#include <sys/stat.h>

#include <iostream>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "registry/app/offline_commands.h"
#include "registry/app/registry_app.h"
#include "registry/app/registry_settings.h"
#include "services/config/config.h"
#include "services/grpc/server_runner.h"
#include "services/grpc/tls_credentials.h"
#include "services/log/logger.h"
#include "services/process/shutdown_signal.h"

namespace {

constexpr int kExitSettings = 2;
constexpr int kExitFailure = 1;

int Run(int argc, char** argv) {
  nexus::process::BlockShutdownSignals();
  // registry.db holds hashes and sealed keys: readable by the service's user only.
  umask(077);
  auto specs = nexus::registry::RegistrySettingSpecs();
  // `nexus-registry restore ...` / `rotate-master-key ...`: offline maintenance, then exit.
  if (std::optional<int> code = nexus::maintenance::RunOfflineCommand(
          "nexus-registry", specs, nexus::registry::RegistryOfflineCommands(), argc, argv,
          std::cout, std::cerr)) {
    return *code;
  }
  absl::StatusOr<nexus::config::Config> config = nexus::config::Config::Load(specs, argc, argv);
  if (!config.ok()) {
    std::cerr << "nexus-registry: " << config.status().message() << "\n";
    return kExitSettings;
  }
  if (config->help_requested()) {
    std::cout << nexus::config::Config::Usage("nexus-registry", specs);
    return 0;
  }
  absl::StatusOr<nexus::registry::RegistrySettings> settings =
      nexus::registry::ReadRegistrySettings(*config);
  if (!settings.ok()) {
    std::cerr << "nexus-registry: " << settings.status().message() << "\n";
    return kExitSettings;
  }
  auto redactor = std::make_shared<nexus::log::Redactor>();
  redactor->AddSecret(settings->master_key);
  redactor->AddSecret(settings->admin_token);
  nexus::log::Logger logger("registry", settings->log_level,
                            std::make_shared<nexus::log::StderrSink>(), redactor);
  logger.Debug(absl::StrCat("settings:\n", config->Describe()));

  auto app = nexus::registry::RegistryApp::Open(*settings, logger, std::cout);
  if (!app.ok()) {
    logger.Error(absl::StrCat("cannot start: ", app.status().message()));
    return kExitFailure;
  }
  auto runner = nexus::grpc_runtime::ServerRunner::Start(
      {.listen_address = settings->listen, .tls = settings->grpc_tls},
      {(*app)->service(), (*app)->maintenance_service()});
  if (!runner.ok()) {
    logger.Error(absl::StrCat("cannot start: ", runner.status().message()));
    return kExitFailure;
  }
  logger.Info(absl::StrCat("serving gRPC on ", settings->listen, " (port ", (*runner)->port(), ", ",
                           nexus::grpc_runtime::ServerSecurityLabel(settings->grpc_tls),
                           "), data in ", settings->database_path()));

  int signal = nexus::process::WaitForShutdownSignal();
  logger.Info(absl::StrCat("signal ", signal, ": shutting down within ",
                           absl::FormatDuration(settings->shutdown_timeout)));
  (*app)->BeginShutdown();
  (*runner)->Shutdown(settings->shutdown_timeout);
  logger.Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
