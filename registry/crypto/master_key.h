#ifndef NEXUS_REGISTRY_CRYPTO_MASTER_KEY_H_
#define NEXUS_REGISTRY_CRYPTO_MASTER_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "registry/crypto/secret_bytes.h"

namespace nexus::registry::crypto {

// How to make a master key, for the message shown when none is configured.
inline constexpr std::string_view kMasterKeyHowTo =
    "make one with:\n"
    "  mkdir -p data && head -c 32 /dev/urandom | base64 > data/master.key && "
    "chmod 600 data/master.key\n"
    "then start with NEXUS_MASTER_KEY_FILE=data/master.key (or put the base64 text in "
    "NEXUS_MASTER_KEY)";

// Decodes 32 key bytes written as base64 (standard or URL-safe, padded or not) or as 64 hex
// digits; surrounding whitespace is ignored.
absl::StatusOr<KeyBytes> ParseMasterKey(std::string_view text);

// Reads a key file holding the text form above, or exactly 32 raw bytes.
absl::StatusOr<KeyBytes> ReadMasterKeyFile(const std::string& path);

// Picks the key from the NEXUS_MASTER_KEY value or else the NEXUS_MASTER_KEY_FILE path. Setting
// both is refused (which one wins would be a guess); setting neither is FAILED_PRECONDITION with
// instructions.
absl::StatusOr<KeyBytes> LoadMasterKey(std::string_view key_text, const std::string& key_file);

// A warning when the key file can be read by group or others, else empty.
std::string KeyFilePermissionWarning(const std::string& path);

}  // namespace nexus::registry::crypto

#endif  // NEXUS_REGISTRY_CRYPTO_MASTER_KEY_H_
