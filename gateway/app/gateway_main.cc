// nexus-gateway: the OpenAI-compatible HTTP edge, talking to registry and stats over gRPC.
#include <csignal>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gateway/app/gateway_app.h"
#include "gateway/app/gateway_settings.h"
#include "services/config/config.h"
#include "services/log/logger.h"
#include "services/process/shutdown_signal.h"

namespace {

constexpr int kExitSettings = 2;
constexpr int kExitFailure = 1;

int Run(int argc, char** argv) {
  nexus::process::BlockShutdownSignals();
  // A file-size limit must fail the write (EFBIG: the usage spool counts and logs it) rather than
  // kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  auto specs = nexus::gateway::GatewaySettingSpecs();
  absl::StatusOr<nexus::config::Config> config = nexus::config::Config::Load(specs, argc, argv);
  if (!config.ok()) {
    std::cerr << "nexus-gateway: " << config.status().message() << "\n";
    return kExitSettings;
  }
  if (config->help_requested()) {
    std::cout << nexus::config::Config::Usage("nexus-gateway", specs);
    return 0;
  }
  absl::StatusOr<nexus::gateway::GatewaySettings> settings =
      nexus::gateway::ReadGatewaySettings(*config);
  if (!settings.ok()) {
    std::cerr << "nexus-gateway: " << settings.status().message() << "\n";
    return kExitSettings;
  }
  nexus::log::Logger logger("gateway", settings->log_level,
                            std::make_shared<nexus::log::StderrSink>(),
                            std::make_shared<nexus::log::Redactor>());
  logger.Debug(absl::StrCat("settings:\n", config->Describe()));
  auto app = nexus::gateway::GatewayApp::Start(*settings, logger);
  if (!app.ok()) {
    logger.Error(absl::StrCat("cannot start: ", app.status().message()));
    return kExitFailure;
  }
  logger.Info(absl::StrCat("serving HTTP on ", settings->listen_host, ":", (*app)->port(),
                           " (registry ", settings->registry_addr, ", stats ", settings->stats_addr,
                           ")"));
  int signal = nexus::process::WaitForShutdownSignal();
  logger.Info(absl::StrCat("signal ", signal, ": draining for up to ",
                           absl::FormatDuration(settings->shutdown_timeout)));
  (*app)->Shutdown(settings->shutdown_timeout);
  logger.Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
