#include "registry/crypto/master_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace nexus::registry::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// 32 bytes 0x00..0x1f in the encodings operators are told to use.
constexpr char kHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kBase64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

bool IsCounting(const KeyBytes& key) {
  for (size_t i = 0; i < key.size(); ++i) {
    if (key.data()[i] != i) return false;
  }
  return true;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

TEST(MasterKeyTest, ParsesHexAndBase64WithWhitespace) {
  for (std::string text : {std::string(kHex), std::string(kBase64), std::string(kBase64) + "\n",
                           std::string(" ") + kHex + "\n"}) {
    absl::StatusOr<KeyBytes> key = ParseMasterKey(text);
    ASSERT_TRUE(key.ok()) << text << ": " << key.status();
    EXPECT_TRUE(IsCounting(*key)) << text;
  }
  std::string no_padding(kBase64);
  no_padding.pop_back();
  EXPECT_TRUE(ParseMasterKey(no_padding).ok());
}

TEST(MasterKeyTest, RejectsWrongLengthsWithoutEchoingTheText) {
  for (std::string text : {std::string("short-secret-value"), std::string(kHex).substr(2),
                           std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==")}) {
    absl::StatusOr<KeyBytes> key = ParseMasterKey(text);
    ASSERT_FALSE(key.ok()) << text;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(key.status().message(), Not(HasSubstr(text)));
  }
}

TEST(MasterKeyTest, ReadsKeyFilesInTextOrRawForm) {
  testing_support::TempDir dir;
  WriteFile(dir.path() + "/text.key", std::string(kBase64) + "\n");
  std::string raw;
  for (int i = 0; i < 32; ++i) raw.push_back(static_cast<char>(i));
  WriteFile(dir.path() + "/raw.key", raw);
  for (const char* name : {"/text.key", "/raw.key"}) {
    absl::StatusOr<KeyBytes> key = ReadMasterKeyFile(dir.path() + name);
    ASSERT_TRUE(key.ok()) << name << ": " << key.status();
    EXPECT_TRUE(IsCounting(*key));
  }
  absl::StatusOr<KeyBytes> missing = ReadMasterKeyFile(dir.path() + "/none.key");
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot be read"));
}

TEST(MasterKeyTest, LoadNeedsExactlyOneSourceAndExplainsHowToMakeOne) {
  absl::StatusOr<KeyBytes> none = LoadMasterKey("", "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(none.status().message(), HasSubstr("head -c 32 /dev/urandom | base64"));
  EXPECT_THAT(none.status().message(), HasSubstr("chmod 600"));
  EXPECT_THAT(LoadMasterKey(kHex, "/some/file").status().message(), HasSubstr("not both"));
  EXPECT_THAT(LoadMasterKey("bad", "").status().message(), HasSubstr("NEXUS_MASTER_KEY"));
  EXPECT_TRUE(LoadMasterKey(kHex, "").ok());
}

TEST(MasterKeyTest, WarnsAboutReadableKeyFiles) {
  testing_support::TempDir dir;
  std::string path = dir.path() + "/master.key";
  WriteFile(path, kBase64);
  chmod(path.c_str(), 0644);
  EXPECT_THAT(KeyFilePermissionWarning(path), HasSubstr("chmod 600"));
  chmod(path.c_str(), 0600);
  EXPECT_EQ(KeyFilePermissionWarning(path), "");
}

}  // namespace
}  // namespace nexus::registry::crypto
