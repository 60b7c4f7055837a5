#ifndef NEXUS_REGISTRY_CRYPTO_KEY_RING_H_
#define NEXUS_REGISTRY_CRYPTO_KEY_RING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "registry/crypto/secret_bytes.h"

namespace nexus::registry::crypto {

// The keys of the client-key and admin-token hashes. A stored hash is only as durable as its
// pepper: were the peppers derived from the master key, rotating the master key would invalidate
// every client key and the admin token (their secrets are not stored, so nothing could be
// re-hashed). So they are data of registry.db instead, kept sealed under the master key
// (SealPeppers): a rotation re-seals them and every stored hash stays valid.
struct HashPeppers {
  KeyBytes client;
  KeyBytes admin;

  // Fresh random peppers, for a new registry.db.
  static HashPeppers Random();
  // The peppers that registries before schema version 2 derived from their master key
  // (crypto_kdf ids 2 and 3), so that their stored hashes keep working.
  static HashPeppers DerivedFrom(const KeyBytes& master_key);
};

// Every secret operation of the registry, each with its own subkey derived from the master key
// (crypto_kdf), so that a weakness in one use never exposes another.
class KeyRing {
 public:
  // With the peppers derived from `master_key` (HashPeppers::DerivedFrom).
  explicit KeyRing(const KeyBytes& master_key);
  KeyRing(const KeyBytes& master_key, const HashPeppers& peppers);

  // Encrypts an upstream API key for the provider row `provider_id`:
  // version byte | 24-byte random nonce | XChaCha20-Poly1305 ciphertext and tag. The row id is
  // the associated data, so a ciphertext copied onto another row fails to open.
  std::string SealUpstreamKey(std::string_view api_key, int64_t provider_id) const;
  // DATA_LOSS naming the row when the data was altered, moved to another row, or sealed with
  // another master key.
  absl::StatusOr<std::string> OpenUpstreamKey(std::string_view sealed, int64_t provider_id) const;

  // Keyed BLAKE2b of a client secret (32 bytes); only this is stored.
  std::string HashClientSecret(std::string_view secret) const;
  // Keyed BLAKE2b of the admin token, with its own pepper.
  std::string HashAdminToken(std::string_view token) const;

  // A value that identifies the master key without revealing it; stored once so that starting
  // with a different master key is caught at once instead of at the first decryption.
  std::string KeyCheckValue() const;

  // This ring's hash peppers sealed under its master key (version byte | nonce | ciphertext).
  std::string SealPeppers() const;
  // Peppers sealed by SealPeppers with `master_key`; DATA_LOSS when they were altered or sealed
  // under another key.
  static absl::StatusOr<HashPeppers> OpenPeppers(const KeyBytes& master_key,
                                                 std::string_view sealed);

 private:
  KeyBytes upstream_key_;
  KeyBytes client_pepper_;
  KeyBytes admin_pepper_;
  KeyBytes check_key_;
  KeyBytes wrap_key_;
};

// Constant-time equality of two byte strings (sodium_memcmp); false when the sizes differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace nexus::registry::crypto

#endif  // NEXUS_REGISTRY_CRYPTO_KEY_RING_H_
