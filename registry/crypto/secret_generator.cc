#include "registry/crypto/secret_generator.h"

#include <sodium.h>

#include "registry/crypto/sodium_init.h"

namespace nexus::registry::crypto {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kVisibleRandomChars = 6;

}  // namespace

std::string GenerateSecret(std::string_view prefix) {
  EnsureSodium();
  std::string out(prefix);
  out.reserve(prefix.size() + kSecretRandomChars);
  for (size_t i = 0; i < kSecretRandomChars; ++i) {
    // randombytes_uniform avoids the modulo bias of reducing a random byte.
    out.push_back(kBase62[randombytes_uniform(static_cast<uint32_t>(kBase62.size()))]);
  }
  return out;
}

std::string VisiblePrefix(std::string_view secret) {
  size_t length = kClientKeyPrefix.size() + kVisibleRandomChars;
  return std::string(secret.substr(0, std::min(length, secret.size())));
}

}  // namespace nexus::registry::crypto
