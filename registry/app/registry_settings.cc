#include "registry/app/registry_settings.h"

#include <array>
#include <vector>

namespace nexus::registry {
namespace {

const std::array<config::SettingSpec, 8>& Specs() {
  static const std::array<config::SettingSpec, 8> kSpecs = {{
      {"listen", "NEXUS_REGISTRY_LISTEN", "127.0.0.1:50051", "gRPC listen address (host:port)"},
      {"data_dir", "NEXUS_DATA_DIR", "./data",
       "directory of registry.db (created with mode 0700 if missing)"},
      {"master_key", "NEXUS_MASTER_KEY", "",
       "32-byte master key as base64 or hex; encrypts upstream keys and peppers key hashes",
       /*secret=*/true},
      {"master_key_file", "NEXUS_MASTER_KEY_FILE", "",
       "file holding the master key (base64, hex or 32 raw bytes); use instead of master_key"},
      {"admin_token", "NEXUS_ADMIN_TOKEN", "",
       "admin token for the console and admin API; stored hashed, replaces the stored one. "
       "Unset on first start: one is generated and printed once",
       /*secret=*/true},
      {"log_level", "NEXUS_LOG_LEVEL", "info", "debug, info, warning or error"},
      {"shutdown_timeout", "NEXUS_SHUTDOWN_TIMEOUT", "5s",
       "how long open calls may finish after SIGTERM/SIGINT before they are cancelled"},
      {"backup_dir", "NEXUS_BACKUP_DIR", "",
       "directory that online backups (nexusctl backup) are written to; default "
       "<data_dir>/backups"},
  }};
  return kSpecs;
}

}  // namespace

std::span<const config::SettingSpec> RegistrySettingSpecs() {
  static const std::vector<config::SettingSpec> kAll =
      grpc_runtime::WithGrpcTlsSettingSpecs(Specs(), grpc_runtime::TlsRole::kServer);
  return kAll;
}

absl::StatusOr<RegistrySettings> ReadRegistrySettings(config::Config& config) {
  RegistrySettings settings;
  settings.listen = config.GetString("listen");
  if (settings.listen.empty() || settings.listen.find(':') == std::string::npos) {
    config.AddError("listen", "must be host:port, e.g. 127.0.0.1:50051");
  }
  settings.data_dir = config.GetString("data_dir");
  if (settings.data_dir.empty()) config.AddError("data_dir", "must not be empty");
  settings.backup_dir = config.GetString("backup_dir");
  settings.master_key = config.GetString("master_key");
  settings.master_key_file = config.GetString("master_key_file");
  settings.admin_token = config.GetString("admin_token");
  if (!settings.admin_token.empty() && settings.admin_token.size() < 16) {
    config.AddError("admin_token", "must be at least 16 characters");
  }
  if (!log::ParseLevel(config.GetString("log_level"), &settings.log_level)) {
    config.AddError("log_level", "must be debug, info, warning or error");
  }
  settings.shutdown_timeout =
      config.GetDuration("shutdown_timeout", absl::ZeroDuration(), absl::Minutes(10));
  settings.grpc_tls = grpc_runtime::ReadGrpcTlsSettings(config, grpc_runtime::TlsRole::kServer);
  if (absl::Status status = config.Validate(); !status.ok()) return status;
  return settings;
}

}  // namespace nexus::registry
