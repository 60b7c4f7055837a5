#include "stats/app/stats_settings.h"

#include <array>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::stats {

std::span<const config::SettingSpec> StatsSettingSpecs() {
  static const std::array<config::SettingSpec, 6> kOwn = {{
      {"listen", "NEXUS_STATS_LISTEN", "127.0.0.1:50052", "gRPC listen address host:port"},
      {"data_dir", "NEXUS_DATA_DIR", "./data", "directory of stats.db (created if missing)"},
      {"log_retention", "NEXUS_STATS_LOG_RETENTION", "30d",
       "how long raw request-log rows are kept (e.g. 30d, 12h; 0 = forever); rollups are kept"},
      {"log_level", "NEXUS_LOG_LEVEL", "info", "debug, info, warning or error"},
      {"shutdown_timeout", "NEXUS_SHUTDOWN_TIMEOUT", "10s",
       "how long in-flight calls may finish after SIGTERM"},
      {"backup_dir", "NEXUS_BACKUP_DIR", "",
       "directory that online backups (nexusctl backup) are written to; default "
       "<data_dir>/backups"},
  }};
  static const std::vector<config::SettingSpec> kSpecs =
      grpc_runtime::WithGrpcTlsSettingSpecs(kOwn, grpc_runtime::TlsRole::kServer);
  return kSpecs;
}

bool ParseRetention(std::string_view text, absl::Duration* out) {
  if (text.size() > 1 && text.back() == 'd') {
    int64_t days = 0;
    if (!absl::SimpleAtoi(Av(text.substr(0, text.size() - 1)), &days) || days < 0) return false;
    *out = absl::Hours(24 * days);
    return true;
  }
  return absl::ParseDuration(Av(text), out) && *out >= absl::ZeroDuration();
}

absl::StatusOr<StatsSettings> StatsSettingsFromConfig(config::Config& config) {
  StatsSettings s;
  s.listen = config.GetString("listen");
  if (s.listen.find(':') == std::string::npos) config.AddError("listen", "must be host:port");
  s.data_dir = config.GetString("data_dir");
  if (s.data_dir.empty()) config.AddError("data_dir", "must not be empty");
  s.backup_dir = config.GetString("backup_dir");
  std::string retention = config.GetString("log_retention");
  if (!ParseRetention(retention, &s.log_retention) ||
      s.log_retention > absl::Hours(24 * 365 * 100)) {
    config.AddError("log_retention",
                    absl::StrCat("must be a duration such as 30d or 12h, or 0 to keep forever, "
                                 "got '",
                                 retention, "'"));
  }
  if (!log::ParseLevel(config.GetString("log_level"), &s.log_level)) {
    config.AddError("log_level", "must be debug, info, warning or error");
  }
  s.shutdown_timeout =
      config.GetDuration("shutdown_timeout", absl::ZeroDuration(), absl::Minutes(10));
  s.grpc_tls = grpc_runtime::ReadGrpcTlsSettings(config, grpc_runtime::TlsRole::kServer);
  if (absl::Status status = config.Validate(); !status.ok()) return status;
  return s;
}

}  // namespace nexus::stats
