#include "gateway/auth/secret_hasher.h"

#include <sodium.h>

#include <stdexcept>

namespace nexus::gateway {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool operator==(const SecretDigest& a, const SecretDigest& b) {
  static_assert(sizeof(a.bytes) == crypto_verify_16_BYTES);
  return crypto_verify_16(a.bytes.data(), b.bytes.data()) == 0;
}

SecretHasher::SecretHasher() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
  randombytes_buf(key_.data(), key_.size());
}

SecretHasher::~SecretHasher() { sodium_memzero(key_.data(), key_.size()); }

SecretDigest SecretHasher::Hash(std::string_view secret) const {
  SecretDigest digest;
  crypto_generichash(digest.bytes.data(), digest.bytes.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     key_.data(), key_.size());
  return digest;
}

}  // namespace nexus::gateway
