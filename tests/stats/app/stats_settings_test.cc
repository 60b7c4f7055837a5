#include "stats/app/stats_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nexus::stats {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<StatsSettings> Load(std::vector<const char*> argv,
                                   std::map<std::string, std::string> env = {}) {
  argv.insert(argv.begin(), "nexus-stats");
  auto config =
      config::Config::Load(StatsSettingSpecs(), static_cast<int>(argv.size()), argv.data(),
                           [env](const std::string& name) -> std::optional<std::string> {
                             auto it = env.find(name);
                             if (it == env.end()) return std::nullopt;
                             return it->second;
                           });
  if (!config.ok()) return config.status();
  return StatsSettingsFromConfig(*config);
}

TEST(StatsSettingsTest, DefaultsFlagsAndEnvironment) {
  auto defaults = Load({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->listen, "127.0.0.1:50052");
  EXPECT_EQ(defaults->data_dir, "./data");
  EXPECT_EQ(defaults->log_retention, absl::Hours(24 * 30));
  auto custom = Load({"--log_retention=0", "--listen=127.0.0.1:6000"},
                     {{"NEXUS_DATA_DIR", "/tmp/x"}, {"NEXUS_STATS_LOG_RETENTION", "7d"}});
  ASSERT_TRUE(custom.ok()) << custom.status();
  EXPECT_EQ(custom->log_retention, absl::ZeroDuration());
  EXPECT_EQ(custom->data_dir, "/tmp/x");
  EXPECT_EQ(custom->listen, "127.0.0.1:6000");
}

TEST(StatsSettingsTest, ReportsEveryBadSetting) {
  auto bad = Load({"--log_retention=soon", "--log_level=loud"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("NEXUS_STATS_LOG_RETENTION"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("NEXUS_LOG_LEVEL"));
}

TEST(StatsSettingsTest, ParsesRetention) {
  absl::Duration d;
  EXPECT_TRUE(ParseRetention("12h", &d));
  EXPECT_EQ(d, absl::Hours(12));
  EXPECT_TRUE(ParseRetention("2d", &d));
  EXPECT_EQ(d, absl::Hours(48));
  EXPECT_FALSE(ParseRetention("-3d", &d));
  EXPECT_FALSE(ParseRetention("d", &d));
}

}  // namespace
}  // namespace nexus::stats
