#include "registry/app/offline_commands.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "registry/app/registry_settings.h"
#include "registry/crypto/master_key.h"
#include "registry/store/key_material.h"
#include "registry/store/migrations.h"
#include "registry/store/sqlite_registry_store.h"

namespace nexus::registry {
namespace {

absl::Status RotateMasterKeyCommand(config::Config& config, std::ostream& out) {
  absl::StatusOr<RegistrySettings> settings = ReadRegistrySettings(config);
  if (!settings.ok()) return settings.status();
  absl::StatusOr<crypto::KeyBytes> current =
      crypto::LoadMasterKey(settings->master_key, settings->master_key_file);
  if (!current.ok()) return current.status();
  const std::string new_key_file = config.GetString("new_master_key_file");
  absl::StatusOr<crypto::KeyBytes> next = crypto::ReadMasterKeyFile(new_key_file);
  if (!next.ok()) return next.status();
  const std::string path = settings->database_path();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("no registry database at ", path, " (check data_dir / NEXUS_DATA_DIR)"));
  }
  // Exclusive: a registry still serving would keep using (and writing with) the old key.
  absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> store =
      SqliteRegistryStore::Open(path, {.exclusive = true});
  if (!store.ok()) return store.status();
  absl::StatusOr<RotationReport> report = RotateMasterKey((*store)->database(), *current, *next);
  if (!report.ok()) return report.status();
  out << "master key rotated: " << report->upstream_keys << " upstream key(s) re-encrypted in "
      << path
      << "; client keys and the admin token are unchanged.\n"
         "Start nexus-registry with the new key (NEXUS_MASTER_KEY_FILE="
      << new_key_file << "). Backups taken before now still need the old key.\n";
  if (std::string warning = crypto::KeyFilePermissionWarning(new_key_file); !warning.empty()) {
    out << "warning: " << warning << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<maintenance::OfflineCommand> RegistryOfflineCommands() {
  return {
      maintenance::RestoreCommand(
          [](config::Config& config) -> absl::StatusOr<std::string> {
            absl::StatusOr<RegistrySettings> settings = ReadRegistrySettings(config);
            if (!settings.ok()) return settings.status();
            return settings->database_path();
          },
          {.migrations = RegistryMigrations(), .required_table = "providers"}),
      maintenance::OfflineCommand{
          .name = "rotate-master-key",
          .summary =
              "Re-encrypts every provider's upstream key (and the sealed hash peppers) of "
              "registry.db under a new master key, in one transaction, while the registry is "
              "stopped. The current key comes from NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE as "
              "for the service. Client keys and the admin token keep working.",
          .flags = {{"new_master_key_file",
                     "file holding the new master key (base64, hex or 32 raw bytes)"}},
          .run = RotateMasterKeyCommand},
  };
}

}  // namespace nexus::registry
