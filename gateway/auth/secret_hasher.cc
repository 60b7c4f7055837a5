#include "gateway/auth/secret_hasher.h"

#include <sodium.h>

#include <stdexcept>

namespace nexus::gateway {

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
