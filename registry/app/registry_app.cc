#include "registry/app/registry_app.h"

#include <sodium.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "registry/crypto/master_key.h"
#include "registry/crypto/secret_generator.h"
#include "registry/store/key_material.h"
#include "services/strings/absl_view.h"

namespace nexus::registry {
namespace {

absl::Status EnsureDataDir(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::is_directory(dir, error)) return absl::OkStatus();
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("data_dir ", dir, ": cannot be created: ", error.message()));
  }
  // Only the service's user needs the database.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);
  return absl::OkStatus();
}

// However the key was supplied (variable or file), its usual text forms never reach a log line.
void RedactKeyText(const crypto::KeyBytes& key, log::Redactor& redactor) {
  char base64[sodium_base64_ENCODED_LEN(crypto::kKeyBytes, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(base64, sizeof base64, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  char hex[2 * crypto::kKeyBytes + 1];
  sodium_bin2hex(hex, sizeof hex, key.data(), key.size());
  redactor.AddSecret(base64);
  redactor.AddSecret(hex);
  sodium_memzero(base64, sizeof base64);
  sodium_memzero(hex, sizeof hex);
}

}  // namespace

RegistryApp::RegistryApp(const crypto::KeyRing& keys, std::unique_ptr<SqliteRegistryStore> store,
                         const RegistrySettings& settings, const log::Logger& logger)
    : logger_(logger),
      keys_(keys),
      store_(std::move(store)),
      registry_(std::make_unique<Registry>(*store_, keys_, clock_, hub_)),
      service_(std::make_unique<RegistryGrpcService>(*registry_, hub_,
                                                     logger.WithComponent("registry.grpc"))),
      maintenance_(std::make_unique<maintenance::MaintenanceGrpcService>(
          settings.database_path(), settings.backup_directory(), clock_,
          logger.WithComponent("registry.maintenance"))) {}

absl::StatusOr<std::unique_ptr<RegistryApp>> RegistryApp::Open(const RegistrySettings& settings,
                                                               const log::Logger& logger,
                                                               std::ostream& announce) {
  absl::StatusOr<crypto::KeyBytes> master_key =
      crypto::LoadMasterKey(settings.master_key, settings.master_key_file);
  if (!master_key.ok()) return master_key.status();
  RedactKeyText(*master_key, logger.redactor());
  if (std::string warning = crypto::KeyFilePermissionWarning(settings.master_key_file);
      !warning.empty()) {
    logger.Warning(warning);
  }
  if (absl::Status s = EnsureDataDir(settings.data_dir); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> store =
      SqliteRegistryStore::Open(settings.database_path());
  if (!store.ok()) return store.status();
  // Checks the master key against registry.db and unseals the hash peppers.
  absl::StatusOr<crypto::KeyRing> keys = OpenKeyRing((*store)->database(), *master_key);
  if (!keys.ok()) return keys.status();
  std::unique_ptr<RegistryApp> app(new RegistryApp(*keys, *std::move(store), settings, logger));
  if (absl::Status s = app->SetUpAdminToken(settings, announce); !s.ok()) return s;
  return app;
}

absl::Status RegistryApp::SetUpAdminToken(const RegistrySettings& settings,
                                          std::ostream& announce) {
  if (!settings.admin_token.empty()) {
    if (absl::Status s = registry_->SetAdminToken(settings.admin_token); !s.ok()) return s;
    logger_.Info("admin token taken from NEXUS_ADMIN_TOKEN (stored hashed)");
    return absl::OkStatus();
  }
  absl::StatusOr<bool> has_token = registry_->HasAdminToken();
  if (!has_token.ok()) return has_token.status();
  if (*has_token) return absl::OkStatus();
  std::string token = crypto::GenerateSecret(crypto::kAdminTokenPrefix);
  if (absl::Status s = registry_->SetAdminToken(token); !s.ok()) return s;
  logger_.redactor().AddSecret(token);
  // Straight to the terminal, not the logger: the logger would (rightly) redact it, and log
  // files must never hold it.
  announce << "\n==> NexusAI Hub admin token (shown only this once; store it now):\n\n    " << token
           << "\n\n    Use it as 'Authorization: Bearer <token>' for the admin console and API.\n"
              "    Only its hash is stored. To replace it, start with NEXUS_ADMIN_TOKEN set.\n\n"
           << std::flush;
  return absl::OkStatus();
}

}  // namespace nexus::registry
