#include "services/maintenance/maintenance_grpc_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "services/grpc/server_runner.h"
#include "services/sqlite/database.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::maintenance {
namespace {

using ::testing::HasSubstr;
namespace pb = nexus::ops::v1;

constexpr sqlite::Migration kSchema[] = {{1, "CREATE TABLE item (id INTEGER PRIMARY KEY);"},
                                         {2, "CREATE INDEX item_id ON item (id);"}};

class MaintenanceGrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Database::Open(dir_.path() + "/stats.db", kSchema);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Write([](SQLite::Database& conn) {
                     conn.exec("INSERT INTO item (id) VALUES (1), (2), (3)");
                     return absl::OkStatus();
                   })
                    .ok());
    service_ = std::make_unique<MaintenanceGrpcService>(db_->path(), dir_.path() + "/backups",
                                                        clock_, logger_);
    auto runner =
        grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {service_.get()});
    ASSERT_TRUE(runner.ok()) << runner.status();
    runner_ = *std::move(runner);
    stub_ = pb::Maintenance::NewStub(runner_->InProcessChannel());
  }

  grpc::Status Backup(const std::string& destination, pb::BackupResponse* response) {
    grpc::ClientContext context;
    pb::BackupRequest request;
    request.set_destination(destination);
    return stub_->Backup(&context, request, response);
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_{absl::FromUnixSeconds(1795680000)};
  log::Logger logger_{"test", log::Level::kDebug, std::make_shared<testing_support::CaptureSink>(),
                      std::make_shared<log::Redactor>()};
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<MaintenanceGrpcService> service_;
  std::unique_ptr<grpc_runtime::ServerRunner> runner_;
  std::unique_ptr<pb::Maintenance::Stub> stub_;
};

TEST_F(MaintenanceGrpcServiceTest, BackupWritesACopyAndDescribesIt) {
  pb::BackupResponse response;
  grpc::Status status = Backup("", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.database(), "stats.db");
  EXPECT_THAT(response.path(), HasSubstr("/backups/stats-20261126T080000Z.db"));
  EXPECT_EQ(response.schema_version(), 2);
  EXPECT_GT(response.pages(), 0);
  EXPECT_EQ(response.bytes(), static_cast<int64_t>(std::filesystem::file_size(response.path())));
  SQLite::Database copy(response.path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(copy.execAndGet("SELECT COUNT(*) FROM item").getInt(), 3);
}

TEST_F(MaintenanceGrpcServiceTest, BadDestinationsGetClearCodes) {
  pb::BackupResponse response;
  grpc::Status relative = Backup("copy.db", &response);
  EXPECT_EQ(relative.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(relative.error_message(), HasSubstr("absolute path"));
  grpc::Status outside = Backup(dir_.path() + "/copy.db", &response);
  EXPECT_EQ(outside.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Backup(dir_.path() + "/backups/a.db", &response).ok());
  grpc::Status again = Backup(dir_.path() + "/backups/a.db", &response);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/copy.db"));
}

}  // namespace
}  // namespace nexus::maintenance
