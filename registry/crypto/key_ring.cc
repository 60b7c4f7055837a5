#include "registry/crypto/key_ring.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "registry/crypto/sodium_init.h"
#include "services/strings/absl_view.h"

namespace nexus::registry::crypto {
namespace {

// crypto_kdf contexts are exactly 8 bytes.
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "nxregkey";
constexpr uint64_t kUpstreamKeyId = 1;
constexpr uint64_t kClientPepperId = 2;
constexpr uint64_t kAdminPepperId = 3;
constexpr uint64_t kCheckKeyId = 4;
constexpr uint64_t kWrapKeyId = 5;
constexpr std::string_view kPeppersAd = "nexus.registry.hash_peppers";

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

// version byte | 24-byte random nonce | XChaCha20-Poly1305 ciphertext and tag of `plain`.
std::string Seal(std::string_view plain, std::string_view ad, const KeyBytes& key) {
  std::string out(1 + kNonceBytes + plain.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  bytes[0] = kSealVersion;
  unsigned char* nonce = bytes + 1;
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(bytes + 1 + kNonceBytes, &written, Bytes(plain),
                                             plain.size(), Bytes(ad), ad.size(), nullptr, nonce,
                                             key.data());
  out.resize(1 + kNonceBytes + written);
  return out;
}

// Opens what Seal made; `what` names the secret in errors.
absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view ad, const KeyBytes& key,
                                 std::string_view what) {
  if (sealed.size() < 1 + kNonceBytes + kTagBytes) {
    return absl::DataLossError(absl::StrCat(Av(what), " is truncated"));
  }
  if (static_cast<unsigned char>(sealed[0]) != kSealVersion) {
    return absl::DataLossError(
        absl::StrCat(Av(what), " has unknown format version ",
                     static_cast<int>(static_cast<unsigned char>(sealed[0]))));
  }
  std::string_view cipher = sealed.substr(1 + kNonceBytes);
  std::string plain(cipher.size() - kTagBytes, '\0');
  unsigned long long length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &length, nullptr, Bytes(cipher),
          cipher.size(), Bytes(ad), ad.size(), Bytes(sealed.substr(1)), key.data()) != 0) {
    return absl::DataLossError(
        absl::StrCat(Av(what),
                     " cannot be decrypted: it was altered, copied from elsewhere, or sealed with "
                     "a different master key"));
  }
  plain.resize(length);
  return plain;
}

}  // namespace

HashPeppers HashPeppers::Random() {
  EnsureSodium();
  HashPeppers peppers;
  randombytes_buf(peppers.client.data(), peppers.client.size());
  randombytes_buf(peppers.admin.data(), peppers.admin.size());
  return peppers;
}

HashPeppers HashPeppers::DerivedFrom(const KeyBytes& master_key) {
  EnsureSodium();
  return HashPeppers{.client = Derive(master_key, kClientPepperId),
                     .admin = Derive(master_key, kAdminPepperId)};
}

KeyRing::KeyRing(const KeyBytes& master_key)
    : KeyRing(master_key, HashPeppers::DerivedFrom(master_key)) {}

KeyRing::KeyRing(const KeyBytes& master_key, const HashPeppers& peppers) {
  EnsureSodium();
  upstream_key_ = Derive(master_key, kUpstreamKeyId);
  client_pepper_ = peppers.client;
  admin_pepper_ = peppers.admin;
  check_key_ = Derive(master_key, kCheckKeyId);
  wrap_key_ = Derive(master_key, kWrapKeyId);
}

std::string KeyRing::SealPeppers() const {
  std::string plain(2 * kKeyBytes, '\0');
  std::copy(client_pepper_.data(), client_pepper_.data() + kKeyBytes, plain.begin());
  std::copy(admin_pepper_.data(), admin_pepper_.data() + kKeyBytes, plain.begin() + kKeyBytes);
  std::string sealed = Seal(plain, kPeppersAd, wrap_key_);
  sodium_memzero(plain.data(), plain.size());
  return sealed;
}

absl::StatusOr<HashPeppers> KeyRing::OpenPeppers(const KeyBytes& master_key,
                                                 std::string_view sealed) {
  EnsureSodium();
  absl::StatusOr<std::string> plain =
      Open(sealed, kPeppersAd, Derive(master_key, kWrapKeyId), "hash peppers of registry.db");
  if (!plain.ok()) return plain.status();
  if (plain->size() != 2 * kKeyBytes) {
    sodium_memzero(plain->data(), plain->size());
    return absl::DataLossError("hash peppers of registry.db have the wrong length");
  }
  HashPeppers peppers;
  std::copy(plain->begin(), plain->begin() + kKeyBytes, peppers.client.data());
  std::copy(plain->begin() + kKeyBytes, plain->end(), peppers.admin.data());
  sodium_memzero(plain->data(), plain->size());
  return peppers;
}

std::string KeyRing::SealUpstreamKey(std::string_view api_key, int64_t provider_id) const {
  return Seal(api_key, AssociatedData(provider_id), upstream_key_);
}

absl::StatusOr<std::string> KeyRing::OpenUpstreamKey(std::string_view sealed,
                                                     int64_t provider_id) const {
  return Open(sealed, AssociatedData(provider_id), upstream_key_,
              absl::StrCat("upstream key of provider ", provider_id));
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
