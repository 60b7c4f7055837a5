// nexus-stats: the usage ledger service (gRPC). Settings: see --help.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/clock/clock.h"
#include "services/config/config.h"
#include "services/log/logger.h"
#include "services/maintenance/offline_command.h"
#include "services/process/shutdown_signal.h"
#include "stats/app/stats_server.h"
#include "stats/app/stats_settings.h"
#include "stats/store/usage_schema.h"

int main(int argc, char** argv) {
  nexus::process::BlockShutdownSignals();
  auto specs = nexus::stats::StatsSettingSpecs();
  // `nexus-stats restore --from=PATH`: offline maintenance, then exit.
  const nexus::maintenance::OfflineCommand commands[] = {nexus::maintenance::RestoreCommand(
      [](nexus::config::Config& config) -> absl::StatusOr<std::string> {
        absl::StatusOr<nexus::stats::StatsSettings> settings =
            nexus::stats::StatsSettingsFromConfig(config);
        if (!settings.ok()) return settings.status();
        return settings->data_dir + "/stats.db";
      },
      {.migrations = nexus::stats::UsageMigrations(), .required_table = "request_log"})};
  if (std::optional<int> code = nexus::maintenance::RunOfflineCommand(
          "nexus-stats", specs, commands, argc, argv, std::cout, std::cerr)) {
    return *code;
  }
  absl::StatusOr<nexus::config::Config> config = nexus::config::Config::Load(specs, argc, argv);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  if (config->help_requested()) {
    std::cout << nexus::config::Config::Usage("nexus-stats", specs);
    return 0;
  }
  absl::StatusOr<nexus::stats::StatsSettings> settings =
      nexus::stats::StatsSettingsFromConfig(*config);
  if (!settings.ok()) {
    std::cerr << settings.status().message() << "\n";
    return 2;
  }
  nexus::log::Logger logger("stats", settings->log_level,
                            std::make_shared<nexus::log::StderrSink>(),
                            std::make_shared<nexus::log::Redactor>());
  nexus::SystemClock clock;
  auto server = nexus::stats::StatsServer::Start(*settings, logger, clock);
  if (!server.ok()) {
    logger.Error(absl::StrCat("cannot start: ", server.status().ToString()));
    return 1;
  }
  int signal_number = nexus::process::WaitForShutdownSignal();
  logger.Info(absl::StrCat("signal ", signal_number, ": shutting down"));
  (*server)->Shutdown(settings->shutdown_timeout);
  logger.Info("stopped");
  return 0;
}
