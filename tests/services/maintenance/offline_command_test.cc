#include "services/maintenance/offline_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "services/sqlite/database.h"
#include "tests/support/temp_dir.h"

namespace nexus::maintenance {
namespace {

using ::testing::HasSubstr;

constexpr sqlite::Migration kSchema[] = {{1, "CREATE TABLE item (id INTEGER PRIMARY KEY);"}};

const config::SettingSpec kServiceSpecs[] = {
    {"data_dir", "NEXUS_TEST_OFFLINE_DATA_DIR", "./data", "where the database is"},
};

class OfflineCommandTest : public ::testing::Test {
 protected:
  std::optional<int> Run(std::vector<std::string> args) {
    args.insert(args.begin(), "nexus-test");
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    const OfflineCommand commands[] = {RestoreCommand(
        [](config::Config& config) -> absl::StatusOr<std::string> {
          return config.GetString("data_dir") + "/live.db";
        },
        {.migrations = kSchema, .required_table = "item"})};
    out_.str("");
    err_.str("");
    return RunOfflineCommand("nexus-test", kServiceSpecs, commands, static_cast<int>(argv.size()),
                             argv.data(), out_, err_);
  }

  testing_support::TempDir dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(OfflineCommandTest, OtherArgumentsAreLeftToTheService) {
  EXPECT_EQ(Run({}), std::nullopt);
  EXPECT_EQ(Run({"--data_dir", "x"}), std::nullopt);
}

TEST_F(OfflineCommandTest, RestoreNeedsFromAndTakesTheServiceSettings) {
  EXPECT_EQ(Run({"restore"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--from"));
  EXPECT_THAT(err_.str(), HasSubstr("is required"));
  EXPECT_EQ(Run({"restore", "--from=x", "--bogus=1"}), 2);
  EXPECT_EQ(Run({"restore", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("--from"));
  EXPECT_THAT(out_.str(), HasSubstr("--data_dir (env NEXUS_TEST_OFFLINE_DATA_DIR)"));
}

TEST_F(OfflineCommandTest, RestoreReportsWhatItDidOrWhyNot) {
  {
    auto db = sqlite::Database::Open(dir_.path() + "/source.db", kSchema);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Backup(dir_.path() + "/backup.db").ok());
  }
  EXPECT_EQ(
      Run({"restore", "--from", dir_.path() + "/missing.db", "--data_dir", dir_.path() + "/data"}),
      1);
  EXPECT_THAT(err_.str(), HasSubstr("nexus-test restore: backup"));
  EXPECT_THAT(err_.str(), HasSubstr("no such file"));
  EXPECT_EQ(
      Run({"restore", "--from", dir_.path() + "/backup.db", "--data_dir", dir_.path() + "/data"}),
      0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("restored " + dir_.path() + "/data/live.db"));
  EXPECT_TRUE(sqlite::Database::Open(dir_.path() + "/data/live.db", kSchema).ok());
}

}  // namespace
}  // namespace nexus::maintenance
