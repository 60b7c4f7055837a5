#ifndef NEXUS_REGISTRY_CRYPTO_SODIUM_INIT_H_
#define NEXUS_REGISTRY_CRYPTO_SODIUM_INIT_H_

#include <sodium.h>

#include <stdexcept>

namespace nexus::registry::crypto {

// libsodium must be initialised before use; sodium_init() is idempotent and thread-safe. A
// failure means the system has no usable randomness, which nothing here can work around.
inline void EnsureSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

}  // namespace nexus::registry::crypto

#endif  // NEXUS_REGISTRY_CRYPTO_SODIUM_INIT_H_
