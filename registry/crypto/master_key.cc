#include "registry/crypto/master_key.h"

#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "registry/crypto/sodium_init.h"
#include "services/strings/absl_view.h"

namespace nexus::registry::crypto {
namespace {

bool DecodeHex(std::string_view text, KeyBytes& key) {
  size_t length = 0;
  const char* end = nullptr;
  return text.size() == 2 * kKeyBytes &&
         sodium_hex2bin(key.data(), kKeyBytes, text.data(), text.size(), nullptr, &length, &end) ==
             0 &&
         length == kKeyBytes && end == text.data() + text.size();
}

bool DecodeBase64(std::string_view text, KeyBytes& key) {
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    // One spare byte so that text decoding to more than 32 bytes is caught as too long.
    unsigned char buffer[kKeyBytes + 1];
    size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(buffer, sizeof buffer, text.data(), text.size(), nullptr, &length, &end,
                          variant) == 0 &&
        length == kKeyBytes && end == text.data() + text.size()) {
      std::copy(buffer, buffer + kKeyBytes, key.data());
      sodium_memzero(buffer, sizeof buffer);
      return true;
    }
    sodium_memzero(buffer, sizeof buffer);
  }
  return false;
}

}  // namespace

absl::StatusOr<KeyBytes> ParseMasterKey(std::string_view text) {
  EnsureSodium();
  std::string_view trimmed = Sv(absl::StripAsciiWhitespace(Av(text)));
  KeyBytes key;
  if (DecodeHex(trimmed, key) || DecodeBase64(trimmed, key)) return key;
  // Never echo the text: it is meant to be a secret.
  return absl::InvalidArgumentError(absl::StrCat(
      "master key: must be 32 bytes written as base64 (44 characters) or hex (64 characters), got ",
      trimmed.size(), " characters that are neither"));
}

absl::StatusOr<KeyBytes> ReadMasterKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("master key file ", path, ": cannot be read (missing or no permission)"));
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  KeyBytes key;
  if (content.size() == kKeyBytes) {
    // 32 raw bytes cannot be valid base64 or hex of 32 bytes, so this reading is unambiguous.
    std::copy(content.begin(), content.end(), key.data());
    sodium_memzero(content.data(), content.size());
    return key;
  }
  absl::StatusOr<KeyBytes> parsed = ParseMasterKey(content);
  sodium_memzero(content.data(), content.size());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("master key file ", path, ": ", parsed.status().message()));
  }
  return parsed;
}

absl::StatusOr<KeyBytes> LoadMasterKey(std::string_view key_text, const std::string& key_file) {
  if (!key_text.empty() && !key_file.empty()) {
    return absl::InvalidArgumentError(
        "master key: set either NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE, not both");
  }
  if (!key_text.empty()) {
    absl::StatusOr<KeyBytes> key = ParseMasterKey(key_text);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("NEXUS_MASTER_KEY: ", key.status().message()));
    }
    return key;
  }
  if (!key_file.empty()) return ReadMasterKeyFile(key_file);
  return absl::FailedPreconditionError(absl::StrCat(
      "no master key: set NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE; ", Av(kMasterKeyHowTo)));
}

std::string KeyFilePermissionWarning(const std::string& path) {
  struct stat info {};
  if (path.empty() || stat(path.c_str(), &info) != 0) return "";
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) == 0) return "";
  return absl::StrCat("master key file ", path, " is readable by group or others; run: chmod 600 ",
                      path);
}

}  // namespace nexus::registry::crypto
