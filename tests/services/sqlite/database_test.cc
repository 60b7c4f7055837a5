#include "services/sqlite/database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace nexus::sqlite {
namespace {

using ::testing::HasSubstr;

constexpr Migration kV1[] = {
    {1, "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"},
};
constexpr Migration kV2[] = {
    {1, "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"},
    {2, "ALTER TABLE item ADD COLUMN note TEXT NOT NULL DEFAULT '';"},
};

int64_t CountItems(Database& db) {
  int64_t count = -1;
  EXPECT_TRUE(db.Read([&](SQLite::Database& conn) {
                  count = conn.execAndGet("SELECT COUNT(*) FROM item").getInt64();
                  return absl::OkStatus();
                }).ok());
  return count;
}

TEST(DatabaseTest, AppliesMigrationsForwardAndKeepsData) {
  testing_support::TempDir dir;
  std::string path = dir.path() + "/t.db";
  {
    auto db = Database::Open(path, kV1);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->schema_version(), 1);
    ASSERT_TRUE((*db)
                    ->Write([](SQLite::Database& conn) {
                      conn.exec("INSERT INTO item(name) VALUES ('a')");
                      return absl::OkStatus();
                    })
                    .ok());
  }
  auto db = Database::Open(path, kV2);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->schema_version(), 2);
  EXPECT_EQ(CountItems(**db), 1);
  EXPECT_EQ(SQLite::Database(path).execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST(DatabaseTest, RefusesNewerSchema) {
  testing_support::TempDir dir;
  std::string path = dir.path() + "/t.db";
  ASSERT_TRUE(Database::Open(path, kV2).ok());
  auto old_binary = Database::Open(path, kV1);
  EXPECT_EQ(old_binary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(old_binary.status().message(), HasSubstr("newer"));
}

TEST(DatabaseTest, FailedWriteRollsBackAndUniqueViolationIsAlreadyExists) {
  testing_support::TempDir dir;
  auto db = Database::Open(dir.path() + "/t.db", kV1);
  ASSERT_TRUE(db.ok());
  absl::Status failed = (*db)->Write([](SQLite::Database& conn) {
    conn.exec("INSERT INTO item(name) VALUES ('a')");
    return absl::InvalidArgumentError("changed my mind");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CountItems(**db), 0);
  absl::Status duplicate = (*db)->Write([](SQLite::Database& conn) {
    conn.exec("INSERT INTO item(name) VALUES ('a')");
    conn.exec("INSERT INTO item(name) VALUES ('a')");
    return absl::OkStatus();
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CountItems(**db), 0);
}

TEST(DatabaseTest, BackupCopiesEverything) {
  testing_support::TempDir dir;
  auto db = Database::Open(dir.path() + "/t.db", kV1);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)
                  ->Write([](SQLite::Database& conn) {
                    conn.exec("INSERT INTO item(name) VALUES ('a'), ('b')");
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE((*db)->Backup(dir.path() + "/copy.db").ok());
  auto copy = Database::Open(dir.path() + "/copy.db", kV1);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(CountItems(**copy), 2);
}

}  // namespace
}  // namespace nexus::sqlite
