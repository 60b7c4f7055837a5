#ifndef NEXUS_STATS_APP_STATS_SETTINGS_H_
#define NEXUS_STATS_APP_STATS_SETTINGS_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/config/config.h"
#include "services/grpc/tls_settings.h"
#include "services/log/logger.h"

namespace nexus::stats {

struct StatsSettings {
  std::string listen = "127.0.0.1:50052";
  std::string data_dir = "./data";
  std::string backup_dir;  // empty: <data_dir>/backups
  // How long raw request-log rows are kept; zero keeps them forever. Rollups are never pruned.
  absl::Duration log_retention = absl::Hours(24 * 30);
  log::Level log_level = log::Level::kInfo;
  absl::Duration shutdown_timeout = absl::Seconds(10);
  grpc_runtime::TlsSettings grpc_tls;
};

// Where online backups go: backup_dir, else <data_dir>/backups.
inline std::string BackupDirectory(const StatsSettings& settings) {
  return settings.backup_dir.empty() ? settings.data_dir + "/backups" : settings.backup_dir;
}

std::span<const config::SettingSpec> StatsSettingSpecs();

// Reads every setting, reporting all bad ones at once.
absl::StatusOr<StatsSettings> StatsSettingsFromConfig(config::Config& config);

// "30d", "12h", "90m", "0" (forever), or any duration absl::ParseDuration takes.
bool ParseRetention(std::string_view text, absl::Duration* out);

}  // namespace nexus::stats

#endif  // NEXUS_STATS_APP_STATS_SETTINGS_H_
