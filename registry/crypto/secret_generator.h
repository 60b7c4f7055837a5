#ifndef NEXUS_REGISTRY_CRYPTO_SECRET_GENERATOR_H_
#define NEXUS_REGISTRY_CRYPTO_SECRET_GENERATOR_H_

#include <string>
#include <string_view>

namespace nexus::registry::crypto {

inline constexpr std::string_view kClientKeyPrefix = "nx-";
inline constexpr std::string_view kAdminTokenPrefix = "nx-admin-";
// 40 base62 characters carry about 238 bits of randomness.
inline constexpr size_t kSecretRandomChars = 40;

// `prefix` followed by kSecretRandomChars uniformly random base62 characters.
std::string GenerateSecret(std::string_view prefix);

// The part of a client secret shown in listings: "nx-" and the first 6 random characters.
std::string VisiblePrefix(std::string_view secret);

}  // namespace nexus::registry::crypto

#endif  // NEXUS_REGISTRY_CRYPTO_SECRET_GENERATOR_H_
