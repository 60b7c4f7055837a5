// Online backup, offline restore and the file lock that keeps the two apart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "services/sqlite/database.h"
#include "services/sqlite/restore.h"
#include "tests/support/temp_dir.h"

namespace nexus::sqlite {
namespace {

using ::testing::HasSubstr;

constexpr Migration kV1[] = {
    {1, "CREATE TABLE item (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, pad TEXT);"},
};
constexpr Migration kV2[] = {
    {1, "CREATE TABLE item (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, pad TEXT);"},
    {2, "ALTER TABLE item ADD COLUMN note TEXT NOT NULL DEFAULT '';"},
};
const RestoreSpec kSpec{.migrations = kV1, .required_table = "item"};

// Each batch is one transaction of two rows.
absl::Status InsertBatch(Database& db, int batch) {
  return db.Write([&](SQLite::Database& conn) {
    for (int i = 0; i < 2; ++i) {
      SQLite::Statement insert(conn, "INSERT INTO item (batch, pad) VALUES (?, ?)");
      insert.bind(1, batch);
      insert.bind(2, std::string(500, 'x'));
      insert.exec();
    }
    return absl::OkStatus();
  });
}

// Rows per batch number in a database file (opened without the Database class).
std::map<int, int> BatchCounts(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement query(db, "SELECT batch, COUNT(*) FROM item GROUP BY batch ORDER BY batch");
  std::map<int, int> out;
  while (query.executeStep()) out[query.getColumn(0).getInt()] = query.getColumn(1).getInt();
  return out;
}

class BackupRestoreTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  std::unique_ptr<Database> OpenLive(std::span<const Migration> migrations = kV1) {
    auto db = Database::Open(Path("live.db"), migrations);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  testing_support::TempDir dir_;
};

TEST_F(BackupRestoreTest, BackupDuringWritesIsOneConsistentSnapshot) {
  std::unique_ptr<Database> db = OpenLive();
  ASSERT_NE(db, nullptr);
  std::atomic<int> committed{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int batch = 1; !stop; ++batch) {
      if (!InsertBatch(*db, batch).ok()) return;
      committed = batch;
    }
  });
  while (committed < 200) std::this_thread::yield();
  const int committed_before_backup = committed;
  absl::StatusOr<BackupInfo> backup = db->Backup(Path("backup.db"));
  const int committed_after_backup = committed;
  stop = true;
  writer.join();
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_GT(backup->pages, 0);
  EXPECT_EQ(backup->bytes, static_cast<int64_t>(std::filesystem::file_size(Path("backup.db"))));
  EXPECT_FALSE(std::filesystem::exists(Path("backup.db-wal"))) << "a backup is one file";

  ASSERT_TRUE(VerifyBackup(Path("backup.db"), kSpec).ok());
  std::map<int, int> batches = BatchCounts(Path("backup.db"));
  // Every batch committed before the backup began, no torn batch, no gaps: one snapshot.
  ASSERT_GE(static_cast<int>(batches.size()), committed_before_backup);
  EXPECT_LE(static_cast<int>(batches.size()), committed_after_backup + 1);
  int expected = 1;
  for (const auto& [batch, rows] : batches) {
    EXPECT_EQ(batch, expected++);
    EXPECT_EQ(rows, 2) << "batch " << batch << " is torn";
  }
}

TEST_F(BackupRestoreTest, BackupNeverOverwritesAndLeavesNoPartialFile) {
  std::unique_ptr<Database> db = OpenLive();
  ASSERT_NE(db, nullptr);
  std::ofstream(Path("taken.db")) << "precious";
  absl::StatusOr<BackupInfo> backup = db->Backup(Path("taken.db"));
  EXPECT_EQ(backup.status().code(), absl::StatusCode::kAlreadyExists);
  std::ifstream in(Path("taken.db"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
  EXPECT_FALSE(db->Backup(Path("missing-dir/x.db")).ok());
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr("partial")));
  }
}

TEST_F(BackupRestoreTest, RestoreReplacesTheLiveFileAndKeepsTheOldOneAsBak) {
  {
    std::unique_ptr<Database> db = OpenLive();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(InsertBatch(*db, 1).ok());
    ASSERT_TRUE(db->Backup(Path("backup.db")).ok());
    ASSERT_TRUE(InsertBatch(*db, 2).ok());
  }
  absl::StatusOr<RestoreInfo> restored = RestoreDatabase(Path("backup.db"), Path("live.db"), kSpec);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->schema_version, 1);
  EXPECT_EQ(restored->previous_path, Path("live.db.bak"));
  EXPECT_EQ(BatchCounts(Path("live.db")), (std::map<int, int>{{1, 2}}));
  EXPECT_EQ(BatchCounts(Path("live.db.bak")), (std::map<int, int>{{1, 2}, {2, 2}}));
  // The restored file serves again, and an older schema is migrated at that start.
  auto reopened = Database::Open(Path("live.db"), kV2);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->schema_version(), 2);
}

TEST_F(BackupRestoreTest, RestoreIntoAnEmptyDataDirectory) {
  {
    std::unique_ptr<Database> db = OpenLive();
    ASSERT_TRUE(InsertBatch(*db, 1).ok());
    ASSERT_TRUE(db->Backup(Path("backup.db")).ok());
  }
  absl::StatusOr<RestoreInfo> restored =
      RestoreDatabase(Path("backup.db"), Path("fresh/live.db"), kSpec);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->previous_path, "");
  EXPECT_EQ(BatchCounts(Path("fresh/live.db")).size(), 1u);
}

TEST_F(BackupRestoreTest, RestoreRefusesACorruptFileAndLeavesTheLiveOneAlone) {
  {
    std::unique_ptr<Database> db = OpenLive();
    for (int batch = 1; batch <= 50; ++batch) ASSERT_TRUE(InsertBatch(*db, batch).ok());
    ASSERT_TRUE(db->Backup(Path("backup.db")).ok());
  }
  // Garbage that is not a database at all.
  std::ofstream(Path("garbage.db")) << std::string(8192, 'z');
  absl::StatusOr<RestoreInfo> garbage = RestoreDatabase(Path("garbage.db"), Path("live.db"), kSpec);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(garbage.status().message(), HasSubstr("not a readable SQLite database"));

  // A real backup with a damaged b-tree page (the header stays intact).
  std::filesystem::copy_file(Path("backup.db"), Path("damaged.db"));
  {
    std::fstream file(Path("damaged.db"), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 3 + 10);
    std::string noise(2000, '\x5a');
    file.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  absl::StatusOr<RestoreInfo> damaged = RestoreDatabase(Path("damaged.db"), Path("live.db"), kSpec);
  EXPECT_EQ(damaged.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(damaged.status().message(), HasSubstr("cannot be restored"));

  EXPECT_EQ(BatchCounts(Path("live.db")).size(), 50u);
  EXPECT_FALSE(std::filesystem::exists(Path("live.db.bak")));
  EXPECT_EQ(RestoreDatabase(Path("nope.db"), Path("live.db"), kSpec).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(BackupRestoreTest, RestoreRefusesANewerSchemaOrAnotherServicesDatabase) {
  {
    std::unique_ptr<Database> db = OpenLive(kV2);
    ASSERT_TRUE(db->Backup(Path("v2.db")).ok());
  }
  absl::StatusOr<RestoreInfo> newer = RestoreDatabase(Path("v2.db"), Path("other.db"), kSpec);
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(newer.status().message(), HasSubstr("newer than this binary knows (1)"));

  const RestoreSpec other{.migrations = kV2, .required_table = "providers"};
  absl::StatusOr<RestoreInfo> wrong = RestoreDatabase(Path("v2.db"), Path("other.db"), other);
  EXPECT_THAT(wrong.status().message(), HasSubstr("not a database of this service"));
  EXPECT_FALSE(std::filesystem::exists(Path("other.db")));
}

TEST_F(BackupRestoreTest, RestoreAndExclusiveOpenAreRefusedWhileTheDatabaseIsOpen) {
  std::unique_ptr<Database> db = OpenLive();
  ASSERT_TRUE(db->Backup(Path("backup.db")).ok());
  absl::StatusOr<RestoreInfo> restored = RestoreDatabase(Path("backup.db"), Path("live.db"), kSpec);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(restored.status().message(), HasSubstr("stop the service first"));
  auto exclusive = Database::Open(Path("live.db"), kV1, {.exclusive = true});
  EXPECT_THAT(exclusive.status().message(), HasSubstr("stop the service first"));
  // A second shared open (another reader in the same process) is fine.
  EXPECT_TRUE(Database::Open(Path("live.db"), kV1).ok());
  db.reset();

  auto held = Database::Open(Path("live.db"), kV1, {.exclusive = true});
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_THAT(Database::Open(Path("live.db"), kV1).status().message(),
              HasSubstr("maintained offline"));
}

}  // namespace
}  // namespace nexus::sqlite
