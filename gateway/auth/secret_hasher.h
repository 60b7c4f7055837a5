#ifndef NEXUS_GATEWAY_AUTH_SECRET_HASHER_H_
#define NEXUS_GATEWAY_AUTH_SECRET_HASHER_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

namespace nexus::gateway {

// True when `a` and `b` have the same length and bytes. The time taken depends on the length only,
// never on where the bytes differ (libsodium's sodium_memcmp), so comparing a presented secret
// with a stored one leaks nothing but the length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// A keyed 128-bit BLAKE2b digest of a bearer secret. Caches use it as their map key so that raw
// secrets never sit in long-lived memory; 128 bits keep accidental collisions out of reach.
struct SecretDigest {
  std::array<unsigned char, 16> bytes{};

  // Constant time (crypto_verify_16), although a keyed digest reveals little through timing.
  friend bool operator==(const SecretDigest& a, const SecretDigest& b);
  // The digest is already uniformly random, so a prefix is a perfect hash.
  template <typename H>
  friend H AbslHashValue(H h, const SecretDigest& d) {
    uint64_t prefix;
    std::memcpy(&prefix, d.bytes.data(), sizeof(prefix));
    return H::combine(std::move(h), prefix);
  }
  // Picks a shard from bits the map hash does not use.
  size_t Shard(size_t shard_count) const { return bytes[15] % shard_count; }
};

// Hashes secrets with a random key drawn once per instance (per process in practice), so digests
// are useless outside this process and cannot be precomputed.
class SecretHasher {
 public:
  // Throws std::runtime_error when libsodium cannot initialise (no usable randomness).
  SecretHasher();
  ~SecretHasher();
  SecretHasher(const SecretHasher&) = delete;
  SecretHasher& operator=(const SecretHasher&) = delete;

  SecretDigest Hash(std::string_view secret) const;

 private:
  std::array<unsigned char, 32> key_{};
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_SECRET_HASHER_H_
