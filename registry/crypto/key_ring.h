#ifndef NEXUS_REGISTRY_CRYPTO_KEY_RING_H_
#define NEXUS_REGISTRY_CRYPTO_KEY_RING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "registry/crypto/secret_bytes.h"

namespace nexus::registry::crypto {

// Every secret operation of the registry, each with its own subkey derived from the master key
// (crypto_kdf), so that a weakness in one use never exposes another.
class KeyRing {
 public:
  explicit KeyRing(const KeyBytes& master_key);

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

 private:
  KeyBytes upstream_key_;
  KeyBytes client_pepper_;
  KeyBytes admin_pepper_;
  KeyBytes check_key_;
};

// Constant-time equality of two byte strings (sodium_memcmp); false when the sizes differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace nexus::registry::crypto

#endif  // NEXUS_REGISTRY_CRYPTO_KEY_RING_H_
