#include "services/maintenance/backup_destination.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace nexus::maintenance {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class BackupDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override { backups_ = fs::canonical(dir_.path()).string() + "/backups"; }

  absl::StatusOr<std::string> Resolve(std::string_view requested) {
    return ResolveBackupDestination(requested, backups_, "registry.db",
                                    absl::FromUnixSeconds(1795680000));
  }

  testing_support::TempDir dir_;
  std::string backups_;
};

TEST_F(BackupDestinationTest, EmptyPicksATimestampedNameAndCreatesThePrivateDirectory) {
  absl::StatusOr<std::string> path = Resolve("");
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, backups_ + "/registry-20261126T080000Z.db");
  struct stat info {};
  ASSERT_EQ(stat(backups_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(BackupDestinationTest, AcceptsANewFileInsideTheDirectory) {
  ASSERT_TRUE(Resolve("").ok());
  fs::create_directory(backups_ + "/daily");
  EXPECT_EQ(*Resolve(backups_ + "/one.db"), backups_ + "/one.db");
  EXPECT_EQ(*Resolve(backups_ + "/daily/./two.db"), backups_ + "/daily/two.db");
}

TEST_F(BackupDestinationTest, RefusesRelativePaths) {
  absl::StatusOr<std::string> path = Resolve("registry-copy.db");
  EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(path.status().message(), HasSubstr("must be an absolute path"));
}

TEST_F(BackupDestinationTest, RefusesPathsOutsideTheDirectoryEvenThroughDotsOrLinks) {
  ASSERT_TRUE(Resolve("").ok());
  fs::create_directory_symlink(dir_.path(), backups_ + "/escape");
  for (const std::string& outside :
       {dir_.path() + "/x.db", backups_ + "/../x.db", backups_ + "/escape/x.db",
        std::string("/etc/x.db"), backups_ + "x/y.db"}) {
    absl::StatusOr<std::string> path = Resolve(outside);
    EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument) << outside;
    EXPECT_THAT(path.status().message(), HasSubstr("must be inside the backup directory"));
  }
}

TEST_F(BackupDestinationTest, RefusesExistingFilesAndMissingDirectories) {
  ASSERT_TRUE(Resolve("").ok());
  std::ofstream(backups_ + "/taken.db") << "x";
  absl::StatusOr<std::string> taken = Resolve(backups_ + "/taken.db");
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(taken.status().message(), HasSubstr("never overwrite"));
  EXPECT_EQ(Resolve(backups_ + "/").status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> missing = Resolve(backups_ + "/no/such/dir.db");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("does not exist"));
}

}  // namespace
}  // namespace nexus::maintenance
