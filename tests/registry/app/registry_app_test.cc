#include "registry/app/registry_app.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/support/capture_sink.h"
#include "tests/support/temp_dir.h"

namespace nexus::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyBase64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr char kOtherKeyHex[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

class RegistryAppTest : public ::testing::Test {
 protected:
  RegistryAppTest()
      : sink_(std::make_shared<testing_support::CaptureSink>()),
        logger_("test", log::Level::kDebug, sink_, std::make_shared<log::Redactor>()) {
    settings_.data_dir = dir_.path() + "/data";
    settings_.master_key_file = dir_.path() + "/master.key";
    std::ofstream(settings_.master_key_file) << kKeyBase64 << "\n";
    chmod(settings_.master_key_file.c_str(), 0600);
  }

  testing_support::TempDir dir_;
  std::shared_ptr<testing_support::CaptureSink> sink_;
  log::Logger logger_;
  RegistrySettings settings_;
};

TEST_F(RegistryAppTest, FirstStartPrintsAGeneratedAdminTokenOnceAndStoresItsHash) {
  std::ostringstream first;
  auto app = RegistryApp::Open(settings_, logger_, first);
  ASSERT_TRUE(app.ok()) << app.status();
  size_t at = first.str().find("nx-admin-");
  ASSERT_NE(at, std::string::npos) << first.str();
  std::string token = first.str().substr(at, 9 + 40);
  EXPECT_TRUE(*(*app)->registry().CheckAdminToken(token));
  struct stat info {};
  ASSERT_EQ(stat(settings_.data_dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  app->reset();

  std::ostringstream second;
  auto again = RegistryApp::Open(settings_, logger_, second);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(second.str(), "");
  EXPECT_TRUE(*(*again)->registry().CheckAdminToken(token));
}

TEST_F(RegistryAppTest, ConfiguredAdminTokenReplacesTheStoredOne) {
  std::ostringstream announce;
  ASSERT_TRUE(RegistryApp::Open(settings_, logger_, announce).ok());
  settings_.admin_token = "configured-admin-token-0001";
  auto app = RegistryApp::Open(settings_, logger_, announce);
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_TRUE(*(*app)->registry().CheckAdminToken("configured-admin-token-0001"));
}

TEST_F(RegistryAppTest, MasterKeyTextIsRedactedFromLogsWhicheverWayItCame) {
  std::ostringstream announce;
  auto app = RegistryApp::Open(settings_, logger_, announce);
  ASSERT_TRUE(app.ok()) << app.status();
  logger_.Info(std::string("key is ") + kKeyBase64);
  ASSERT_FALSE(sink_->lines().empty());
  EXPECT_THAT(sink_->lines().back(), Not(HasSubstr(kKeyBase64)));
}

TEST_F(RegistryAppTest, RefusesAnotherMasterKeyForAnExistingDatabase) {
  std::ostringstream announce;
  ASSERT_TRUE(RegistryApp::Open(settings_, logger_, announce).ok());
  settings_.master_key_file.clear();
  settings_.master_key = kOtherKeyHex;
  auto app = RegistryApp::Open(settings_, logger_, announce);
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(app.status().message()), HasSubstr("differs from the key"));
}

}  // namespace
}  // namespace nexus::registry
