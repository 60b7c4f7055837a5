#ifndef NEXUS_REGISTRY_CRYPTO_SECRET_BYTES_H_
#define NEXUS_REGISTRY_CRYPTO_SECRET_BYTES_H_

#include <sodium.h>

#include <array>
#include <cstddef>

namespace nexus::registry::crypto {

inline constexpr size_t kKeyBytes = 32;

// A 32-byte key that wipes itself when it goes away, so that copies of key material do not
// linger in freed memory.
class KeyBytes {
 public:
  KeyBytes() { bytes_.fill(0); }
  KeyBytes(const KeyBytes& other) : bytes_(other.bytes_) {}
  KeyBytes& operator=(const KeyBytes& other) {
    bytes_ = other.bytes_;
    return *this;
  }
  ~KeyBytes() { sodium_memzero(bytes_.data(), bytes_.size()); }

  unsigned char* data() { return bytes_.data(); }
  const unsigned char* data() const { return bytes_.data(); }
  static constexpr size_t size() { return kKeyBytes; }

 private:
  std::array<unsigned char, kKeyBytes> bytes_;
};

}  // namespace nexus::registry::crypto

#endif  // NEXUS_REGISTRY_CRYPTO_SECRET_BYTES_H_
