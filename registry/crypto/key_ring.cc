#include "registry/crypto/key_ring.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "registry/crypto/sodium_init.h"

namespace nexus::registry::crypto {
namespace {

// crypto_kdf contexts are exactly 8 bytes.
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "nxregkey";
constexpr uint64_t kUpstreamKeyId = 1;
constexpr uint64_t kClientPepperId = 2;
constexpr uint64_t kAdminPepperId = 3;
constexpr uint64_t kCheckKeyId = 4;

constexpr unsigned char kSealVersion = 1;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kHashBytes = crypto_generichash_BYTES;

KeyBytes Derive(const KeyBytes& master, uint64_t id) {
  KeyBytes subkey;
  crypto_kdf_derive_from_key(subkey.data(), subkey.size(), id, kKdfContext, master.data());
  return subkey;
}

std::string AssociatedData(int64_t provider_id) {
  return absl::StrCat("nexus.registry.provider.api_key:", provider_id);
}

std::string KeyedHash(std::string_view text, const KeyBytes& key) {
  std::string out(kHashBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(text.data()), text.size(), key.data(),
                     key.size());
  return out;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

KeyRing::KeyRing(const KeyBytes& master_key) {
  EnsureSodium();
  upstream_key_ = Derive(master_key, kUpstreamKeyId);
  client_pepper_ = Derive(master_key, kClientPepperId);
  admin_pepper_ = Derive(master_key, kAdminPepperId);
  check_key_ = Derive(master_key, kCheckKeyId);
}

std::string KeyRing::SealUpstreamKey(std::string_view api_key, int64_t provider_id) const {
  std::string ad = AssociatedData(provider_id);
  std::string out(1 + kNonceBytes + api_key.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  bytes[0] = kSealVersion;
  unsigned char* nonce = bytes + 1;
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(bytes + 1 + kNonceBytes, &written, Bytes(api_key),
                                             api_key.size(), Bytes(ad), ad.size(), nullptr, nonce,
                                             upstream_key_.data());
  out.resize(1 + kNonceBytes + written);
  return out;
}

absl::StatusOr<std::string> KeyRing::OpenUpstreamKey(std::string_view sealed,
                                                     int64_t provider_id) const {
  if (sealed.size() < 1 + kNonceBytes + kTagBytes) {
    return absl::DataLossError(
        absl::StrCat("upstream key of provider ", provider_id, " is truncated"));
  }
  if (static_cast<unsigned char>(sealed[0]) != kSealVersion) {
    return absl::DataLossError(
        absl::StrCat("upstream key of provider ", provider_id, " has unknown format version ",
                     static_cast<int>(static_cast<unsigned char>(sealed[0]))));
  }
  std::string ad = AssociatedData(provider_id);
  std::string_view cipher = sealed.substr(1 + kNonceBytes);
  std::string plain(cipher.size() - kTagBytes, '\0');
  unsigned long long length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()),
                                                 &length, nullptr, Bytes(cipher), cipher.size(),
                                                 Bytes(ad), ad.size(), Bytes(sealed.substr(1)),
                                                 upstream_key_.data()) != 0) {
    return absl::DataLossError(
        absl::StrCat("upstream key of provider ", provider_id,
                     " cannot be decrypted: it was altered, copied from another provider, or "
                     "sealed with a different master key"));
  }
  plain.resize(length);
  return plain;
}

std::string KeyRing::HashClientSecret(std::string_view secret) const {
  return KeyedHash(secret, client_pepper_);
}

std::string KeyRing::HashAdminToken(std::string_view token) const {
  return KeyedHash(token, admin_pepper_);
}

std::string KeyRing::KeyCheckValue() const {
  return KeyedHash("nexus.registry.master-key-check", check_key_);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace nexus::registry::crypto
