#include "registry/store/key_material.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace nexus::registry {
namespace {

// The names Registry uses for the check value in registry_settings (domain/registry.cc).
constexpr char kMasterKeyCheckSetting[] = "master_key_check";
constexpr char kPeppersSecret[] = "hash_peppers";

constexpr char kWrongKeyAdvice[] =
    "master key: differs from the key this registry.db is encrypted with (the one it was created "
    "with, or the new key of its last rotate-master-key), so its upstream keys cannot be "
    "decrypted; start with that NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE";

void BindBlob(SQLite::Statement& statement, int index, std::string_view bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

std::optional<std::string> ReadValue(SQLite::Database& db, const char* sql, const char* name) {
  SQLite::Statement query(db, sql);
  query.bind(1, name);
  if (!query.executeStep()) return std::nullopt;
  return query.getColumn(0).getString();
}

std::optional<std::string> ReadCheckValue(SQLite::Database& db) {
  return ReadValue(db, "SELECT value FROM registry_settings WHERE name = ?",
                   kMasterKeyCheckSetting);
}

std::optional<std::string> ReadSealedPeppers(SQLite::Database& db) {
  return ReadValue(db, "SELECT sealed FROM sealed_secrets WHERE name = ?", kPeppersSecret);
}

void WriteKeyRecords(SQLite::Database& db, const crypto::KeyRing& ring) {
  SQLite::Statement check(db,
                          "INSERT INTO registry_settings (name, value) VALUES (?, ?) "
                          "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  check.bind(1, kMasterKeyCheckSetting);
  BindBlob(check, 2, ring.KeyCheckValue());
  check.exec();
  SQLite::Statement peppers(db,
                            "INSERT INTO sealed_secrets (name, sealed) VALUES (?, ?) "
                            "ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed");
  peppers.bind(1, kPeppersSecret);
  BindBlob(peppers, 2, ring.SealPeppers());
  peppers.exec();
}

// The peppers stored in `db`, or those a file from before schema version 2 was hashed with.
absl::StatusOr<crypto::HashPeppers> StoredPeppers(SQLite::Database& db,
                                                  const crypto::KeyBytes& master_key) {
  std::optional<std::string> sealed = ReadSealedPeppers(db);
  if (!sealed.has_value()) return crypto::HashPeppers::DerivedFrom(master_key);
  return crypto::KeyRing::OpenPeppers(master_key, *sealed);
}

// Re-seals every provider's upstream key from `from` to `to`; DATA_LOSS names the first that
// does not open.
absl::StatusOr<int> ResealUpstreamKeys(SQLite::Database& db, const crypto::KeyRing& from,
                                       const crypto::KeyRing& to) {
  std::vector<std::pair<int64_t, std::string>> resealed;
  SQLite::Statement rows(db, "SELECT id, api_key_sealed FROM providers ORDER BY id");
  while (rows.executeStep()) {
    int64_t id = rows.getColumn(0).getInt64();
    absl::StatusOr<std::string> plain = from.OpenUpstreamKey(rows.getColumn(1).getString(), id);
    if (!plain.ok()) return plain.status();
    resealed.emplace_back(id, to.SealUpstreamKey(*plain, id));
    sodium_memzero(plain->data(), plain->size());
  }
  SQLite::Statement update(db, "UPDATE providers SET api_key_sealed = ? WHERE id = ?");
  for (const auto& [id, sealed] : resealed) {
    BindBlob(update, 1, sealed);
    update.bind(2, id);
    update.exec();
    update.reset();
  }
  return static_cast<int>(resealed.size());
}

}  // namespace

absl::StatusOr<crypto::KeyRing> OpenKeyRing(sqlite::Database& db,
                                            const crypto::KeyBytes& master_key) {
  std::optional<crypto::KeyRing> ring;
  absl::Status status = db.Write([&](SQLite::Database& conn) -> absl::Status {
    std::optional<std::string> check = ReadCheckValue(conn);
    if (check.has_value() &&
        !crypto::ConstantTimeEquals(*check, crypto::KeyRing(master_key).KeyCheckValue())) {
      return absl::FailedPreconditionError(kWrongKeyAdvice);
    }
    std::optional<std::string> sealed = ReadSealedPeppers(conn);
    if (sealed.has_value()) {
      absl::StatusOr<crypto::HashPeppers> peppers =
          crypto::KeyRing::OpenPeppers(master_key, *sealed);
      if (!peppers.ok()) return peppers.status();
      ring.emplace(master_key, *peppers);
      return absl::OkStatus();
    }
    // First start with this schema: a new file gets random peppers; an older one keeps the
    // peppers its stored hashes were made with.
    ring.emplace(master_key, check.has_value() ? crypto::HashPeppers::DerivedFrom(master_key)
                                               : crypto::HashPeppers::Random());
    WriteKeyRecords(conn, *ring);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return *std::move(ring);
}

absl::StatusOr<RotationReport> RotateMasterKey(sqlite::Database& db,
                                               const crypto::KeyBytes& current,
                                               const crypto::KeyBytes& next) {
  if (crypto::ConstantTimeEquals(
          std::string_view(reinterpret_cast<const char*>(current.data()), current.size()),
          std::string_view(reinterpret_cast<const char*>(next.data()), next.size()))) {
    return absl::InvalidArgumentError("the new master key is the same as the current one");
  }
  // Overwrites freed cells with zeros, so old ciphertexts do not linger in the pages.
  if (absl::Status s = db.Execute("PRAGMA secure_delete = ON"); !s.ok()) return s;
  RotationReport report;
  absl::Status status = db.Write([&](SQLite::Database& conn) -> absl::Status {
    std::optional<std::string> check = ReadCheckValue(conn);
    if (!check.has_value()) {
      return absl::FailedPreconditionError(
          "registry.db has no master key yet (the registry never started on it); nothing to "
          "rotate");
    }
    if (!crypto::ConstantTimeEquals(*check, crypto::KeyRing(current).KeyCheckValue())) {
      return absl::FailedPreconditionError(
          "the current master key (NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE) is not the key "
          "registry.db is encrypted with; nothing was changed");
    }
    absl::StatusOr<crypto::HashPeppers> peppers = StoredPeppers(conn, current);
    if (!peppers.ok()) return peppers.status();
    crypto::KeyRing from(current, *peppers);
    crypto::KeyRing to(next, *peppers);
    absl::StatusOr<int> resealed = ResealUpstreamKeys(conn, from, to);
    if (!resealed.ok()) {
      return absl::Status(resealed.status().code(),
                          absl::StrCat(resealed.status().message(), "; nothing was changed"));
    }
    report.upstream_keys = *resealed;
    WriteKeyRecords(conn, to);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  // The committed rotation is durable; this only scrubs old page images from the file and WAL.
  for (const char* sql :
       {"PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"}) {
    if (absl::Status s = db.Execute(sql); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("master key rotated, but compacting registry.db failed, so "
                                       "old ciphertexts may remain in free pages until a VACUUM: ",
                                       s.message()));
    }
  }
  return report;
}

}  // namespace nexus::registry
