#include "services/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nexus::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const SettingSpec kSpecs[] = {
    {"listen", "NEXUS_TEST_LISTEN", "127.0.0.1:1", "where to listen", false},
    {"workers", "NEXUS_TEST_WORKERS", "4", "threads", false},
    {"timeout", "NEXUS_TEST_TIMEOUT", "5s", "timeout", false},
    {"verbose", "NEXUS_TEST_VERBOSE", "false", "chatty", false},
    {"token", "NEXUS_TEST_TOKEN", "", "secret token", true},
};

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, FlagsOverrideEnvironmentOverrideDefaults) {
  const char* argv[] = {"prog", "--workers=8", "--timeout", "30s"};
  auto config = Config::Load(kSpecs, 4, argv,
                             FakeEnv({{"NEXUS_TEST_WORKERS", "2"}, {"NEXUS_TEST_VERBOSE", "yes"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetInt("workers", 1, 64), 8);
  EXPECT_EQ(config->GetDuration("timeout", absl::Seconds(1), absl::Minutes(5)), absl::Seconds(30));
  EXPECT_TRUE(config->GetBool("verbose"));
  EXPECT_EQ(config->GetString("listen"), "127.0.0.1:1");
  EXPECT_TRUE(config->Validate().ok());
}

TEST(ConfigTest, ReportsEveryBadSettingAtOnceNamingFlagAndVariable) {
  const char* argv[] = {"prog", "--workers=lots", "--timeout=-1s", "--verbose=maybe"};
  auto config = Config::Load(kSpecs, 4, argv, FakeEnv({}));
  ASSERT_TRUE(config.ok());
  config->GetInt("workers", 1, 64);
  config->GetDuration("timeout", absl::Seconds(1), absl::Minutes(5));
  config->GetBool("verbose");
  absl::Status status = config->Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--workers (NEXUS_TEST_WORKERS)"));
  EXPECT_THAT(status.message(), HasSubstr("--timeout (NEXUS_TEST_TIMEOUT)"));
  EXPECT_THAT(status.message(), HasSubstr("--verbose (NEXUS_TEST_VERBOSE)"));
}

TEST(ConfigTest, UnknownFlagAndMissingValueAreErrors) {
  const char* unknown[] = {"prog", "--nope=1"};
  EXPECT_THAT(Config::Load(kSpecs, 2, unknown, FakeEnv({})).status().message(),
              HasSubstr("unknown flag --nope"));
  const char* missing[] = {"prog", "--workers"};
  EXPECT_THAT(Config::Load(kSpecs, 2, missing, FakeEnv({})).status().message(),
              HasSubstr("needs a value"));
}

TEST(ConfigTest, DescribeNeverShowsSecrets) {
  const char* argv[] = {"prog"};
  auto config =
      Config::Load(kSpecs, 1, argv, FakeEnv({{"NEXUS_TEST_TOKEN", "hunter2-very-secret"}}));
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(config->Describe(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(config->Describe(), HasSubstr("token=(set)"));
  EXPECT_THAT(Config::Usage("prog", kSpecs), HasSubstr("NEXUS_TEST_WORKERS"));
}

TEST(ConfigTest, HelpIsRecognised) {
  const char* argv[] = {"prog", "--help"};
  auto config = Config::Load(kSpecs, 2, argv, FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->help_requested());
}

}  // namespace
}  // namespace nexus::config
