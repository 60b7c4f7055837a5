#ifndef NEXUS_REGISTRY_APP_REGISTRY_SETTINGS_H_
#define NEXUS_REGISTRY_APP_REGISTRY_SETTINGS_H_

#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/config/config.h"
#include "services/grpc/tls_settings.h"
#include "services/log/logger.h"

namespace nexus::registry {

struct RegistrySettings {
  std::string listen;
  std::string data_dir;
  std::string backup_dir;       // empty: <data_dir>/backups
  std::string master_key;       // secret
  std::string master_key_file;  // path
  std::string admin_token;      // secret
  log::Level log_level = log::Level::kInfo;
  absl::Duration shutdown_timeout = absl::Seconds(5);
  grpc_runtime::TlsSettings grpc_tls;

  std::string database_path() const { return data_dir + "/registry.db"; }
  std::string backup_directory() const {
    return backup_dir.empty() ? data_dir + "/backups" : backup_dir;
  }
};

// Every setting of nexus-registry (flags and NEXUS_* variables).
std::span<const config::SettingSpec> RegistrySettingSpecs();

// Typed, validated settings; INVALID_ARGUMENT lists every bad one.
absl::StatusOr<RegistrySettings> ReadRegistrySettings(config::Config& config);

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_APP_REGISTRY_SETTINGS_H_
