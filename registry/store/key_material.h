#ifndef NEXUS_REGISTRY_STORE_KEY_MATERIAL_H_
#define NEXUS_REGISTRY_STORE_KEY_MATERIAL_H_

#include "absl/status/statusor.h"
#include "registry/crypto/key_ring.h"
#include "registry/crypto/secret_bytes.h"
#include "services/sqlite/database.h"

namespace nexus::registry {

// The key ring registry.db is used with, in one transaction: checks `master_key` against the
// stored check value (FAILED_PRECONDITION with the fix when it differs) and unseals the hash
// peppers. On first use it records both: random peppers for a new file; for a file from before
// schema version 2, the peppers its hashes were made with (derived from this master key).
absl::StatusOr<crypto::KeyRing> OpenKeyRing(sqlite::Database& db,
                                            const crypto::KeyBytes& master_key);

struct RotationReport {
  int upstream_keys = 0;  // provider keys re-encrypted
};

// Re-encrypts everything sealed under `current` (every provider's upstream key and the hash
// peppers) under `next` and replaces the check value, in one transaction: on any failure
// (`current` is not this file's key, a sealed value does not open) nothing changes. Then
// rewrites the file (secure_delete, VACUUM, WAL truncated) so that no ciphertext under the old
// key is left in free pages or the WAL. Offline: open `db` with DatabaseOptions::exclusive.
absl::StatusOr<RotationReport> RotateMasterKey(sqlite::Database& db,
                                               const crypto::KeyBytes& current,
                                               const crypto::KeyBytes& next);

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_STORE_KEY_MATERIAL_H_
