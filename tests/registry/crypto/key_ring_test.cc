#include "registry/crypto/key_ring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "registry/crypto/master_key.h"

namespace nexus::registry::crypto {
namespace {

using ::testing::HasSubstr;

KeyBytes KeyOf(unsigned char fill) {
  KeyBytes key;
  std::fill(key.data(), key.data() + key.size(), fill);
  return key;
}

TEST(KeyRingTest, SealedKeyOpensOnItsRow) {
  KeyRing ring(KeyOf(7));
  std::string sealed = ring.SealUpstreamKey("sk-live-XYZ0123456789", 42);
  EXPECT_EQ(sealed.find("XYZ"), std::string::npos);
  EXPECT_EQ(static_cast<unsigned char>(sealed[0]), 1) << "version byte";
  absl::StatusOr<std::string> opened = ring.OpenUpstreamKey(sealed, 42);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "sk-live-XYZ0123456789");
}

TEST(KeyRingTest, SealingTwiceUsesFreshNonces) {
  KeyRing ring(KeyOf(7));
  EXPECT_NE(ring.SealUpstreamKey("same", 1), ring.SealUpstreamKey("same", 1));
}

TEST(KeyRingTest, EmptyKeyRoundTrips) {
  KeyRing ring(KeyOf(7));
  absl::StatusOr<std::string> opened = ring.OpenUpstreamKey(ring.SealUpstreamKey("", 3), 3);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "");
}

TEST(KeyRingTest, TamperedCiphertextFailsWithClearError) {
  KeyRing ring(KeyOf(7));
  std::string sealed = ring.SealUpstreamKey("sk-live-secret", 5);
  for (size_t i : {size_t{1}, size_t{30}, sealed.size() - 1}) {
    std::string tampered = sealed;
    tampered[i] ^= 0x01;
    absl::StatusOr<std::string> opened = ring.OpenUpstreamKey(tampered, 5);
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(opened.status().message(), HasSubstr("provider 5 cannot be decrypted"));
  }
}

TEST(KeyRingTest, TruncatedOrUnknownVersionIsRefused) {
  KeyRing ring(KeyOf(7));
  std::string sealed = ring.SealUpstreamKey("sk-live-secret", 5);
  EXPECT_THAT(ring.OpenUpstreamKey(sealed.substr(0, 10), 5).status().message(),
              HasSubstr("truncated"));
  sealed[0] = 9;
  EXPECT_THAT(ring.OpenUpstreamKey(sealed, 5).status().message(),
              HasSubstr("unknown format version 9"));
}

TEST(KeyRingTest, CiphertextMovedToAnotherRowFails) {
  KeyRing ring(KeyOf(7));
  std::string sealed_for_1 = ring.SealUpstreamKey("sk-live-one", 1);
  absl::StatusOr<std::string> opened = ring.OpenUpstreamKey(sealed_for_1, 2);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
}

TEST(KeyRingTest, WrongMasterKeyFails) {
  std::string sealed = KeyRing(KeyOf(7)).SealUpstreamKey("sk-live-secret", 1);
  absl::StatusOr<std::string> opened = KeyRing(KeyOf(8)).OpenUpstreamKey(sealed, 1);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.status().message(), HasSubstr("different master key"));
  EXPECT_NE(KeyRing(KeyOf(7)).KeyCheckValue(), KeyRing(KeyOf(8)).KeyCheckValue());
  EXPECT_EQ(KeyRing(KeyOf(7)).KeyCheckValue(), KeyRing(KeyOf(7)).KeyCheckValue());
}

TEST(KeyRingTest, HashesArePepperedPerPurposeAndStable) {
  KeyRing ring(KeyOf(7));
  std::string hash = ring.HashClientSecret("nx-abc");
  EXPECT_EQ(hash.size(), 32u);
  EXPECT_EQ(hash, ring.HashClientSecret("nx-abc"));
  EXPECT_NE(hash, ring.HashClientSecret("nx-abd"));
  EXPECT_NE(hash, ring.HashAdminToken("nx-abc"));
  EXPECT_NE(hash, KeyRing(KeyOf(8)).HashClientSecret("nx-abc"));
}

TEST(KeyRingTest, PeppersAreIndependentOfTheMasterKeyOnceGiven) {
  HashPeppers peppers = HashPeppers::Random();
  KeyRing old_ring(KeyOf(7), peppers);
  KeyRing new_ring(KeyOf(8), peppers);
  // Same peppers, same hashes, whatever the master key: this is what survives a rotation.
  EXPECT_EQ(old_ring.HashClientSecret("nx-abc"), new_ring.HashClientSecret("nx-abc"));
  EXPECT_EQ(old_ring.HashAdminToken("nx-admin-x"), new_ring.HashAdminToken("nx-admin-x"));
  EXPECT_NE(old_ring.KeyCheckValue(), new_ring.KeyCheckValue());
  EXPECT_NE(KeyRing(KeyOf(7), HashPeppers::Random()).HashClientSecret("nx-abc"),
            old_ring.HashClientSecret("nx-abc"));
}

TEST(KeyRingTest, TheOneKeyConstructorKeepsTheHashesOfEarlierReleases) {
  KeyRing derived(KeyOf(7), HashPeppers::DerivedFrom(KeyOf(7)));
  EXPECT_EQ(KeyRing(KeyOf(7)).HashClientSecret("nx-abc"), derived.HashClientSecret("nx-abc"));
  EXPECT_EQ(KeyRing(KeyOf(7)).HashAdminToken("nx-abc"), derived.HashAdminToken("nx-abc"));
}

TEST(KeyRingTest, SealedPeppersOpenOnlyWithTheirMasterKey) {
  HashPeppers peppers = HashPeppers::Random();
  std::string sealed = KeyRing(KeyOf(7), peppers).SealPeppers();
  absl::StatusOr<HashPeppers> opened = KeyRing::OpenPeppers(KeyOf(7), sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(KeyRing(KeyOf(9), *opened).HashClientSecret("s"),
            KeyRing(KeyOf(9), peppers).HashClientSecret("s"));
  EXPECT_EQ(KeyRing(KeyOf(9), *opened).HashAdminToken("s"),
            KeyRing(KeyOf(9), peppers).HashAdminToken("s"));

  absl::StatusOr<HashPeppers> wrong = KeyRing::OpenPeppers(KeyOf(8), sealed);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(wrong.status().message(), HasSubstr("different master key"));
  sealed[5] ^= 1;
  EXPECT_FALSE(KeyRing::OpenPeppers(KeyOf(7), sealed).ok());
  // An upstream-key ciphertext is no pepper blob (different subkey and associated data).
  EXPECT_FALSE(
      KeyRing::OpenPeppers(KeyOf(7), KeyRing(KeyOf(7)).SealUpstreamKey(std::string(64, 'k'), 1))
          .ok());
}

TEST(KeyRingTest, ConstantTimeEqualsComparesSizeAndBytes) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace nexus::registry::crypto
