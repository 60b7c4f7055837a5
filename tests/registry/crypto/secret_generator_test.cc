#include "registry/crypto/secret_generator.h"

#include <gtest/gtest.h>

#include <set>

namespace nexus::registry::crypto {
namespace {

TEST(SecretGeneratorTest, SecretsAreBase62AfterThePrefixAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string secret = GenerateSecret(kClientKeyPrefix);
    ASSERT_EQ(secret.size(), 3 + kSecretRandomChars);
    ASSERT_EQ(secret.substr(0, 3), "nx-");
    for (char c : secret.substr(3)) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(SecretGeneratorTest, VisiblePrefixIsTheMarkerAndSixCharacters) {
  EXPECT_EQ(VisiblePrefix("nx-AbCdEfGhIj"), "nx-AbCdEf");
  EXPECT_EQ(VisiblePrefix("nx-Ab"), "nx-Ab");
}

}  // namespace
}  // namespace nexus::registry::crypto
