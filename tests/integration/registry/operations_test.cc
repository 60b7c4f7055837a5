// Operations on the real binaries: an online backup taken while writes go on restores every row
// committed before it; restore refuses a running service and a corrupt file; a master-key
// rotation keeps client keys, the admin token and upstream keys working under the new key.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/grpc/channel_factory.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus {
namespace {

namespace pb = nexus::registry::v1;
using ::testing::HasSubstr;
using testing_support::BinaryPath;
using testing_support::CommandResult;
using testing_support::ReadFileBytes;
using testing_support::RunCommand;
using testing_support::Subprocess;

constexpr char kUpstreamKey[] = "sk-live-Operations9f8e7d6c5b4a3928";
constexpr char kOldMasterKey[] = "q1ZtK2bWZr9yq2v0c3JbbcTt8cA0H3eQ4P5n9Zc0m1Y=";
constexpr char kNewMasterKey[] = "Zm9yIHJvdGF0aW9uIHRlc3RzIG9ubHkhIDEyMzQ1Njc=";
constexpr char kOtherMasterKey[] = "b3RoZXIga2V5IGZvciB0aGUgd3Jvbmcta2V5IGNhc2U=";
constexpr char kAdminToken[] = "nx-admin-operations-test-token-0123456789";

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.path() + "/data";
    old_key_ = WriteKey("old.key", kOldMasterKey);
    new_key_ = WriteKey("new.key", kNewMasterKey);
  }

  std::string WriteKey(const std::string& name, const char* text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text << "\n";
    chmod(path.c_str(), 0600);
    return path;
  }

  std::map<std::string, std::string> Env(const std::string& key_file) const {
    std::string address = "127.0.0.1:" + std::to_string(port_);
    return {{"NEXUS_DATA_DIR", data_},        {"NEXUS_MASTER_KEY_FILE", key_file},
            {"NEXUS_MASTER_KEY", ""},         {"NEXUS_ADMIN_TOKEN", admin_token_env_},
            {"NEXUS_BACKUP_DIR", ""},         {"NEXUS_REGISTRY_LISTEN", address},
            {"NEXUS_REGISTRY_ADDR", address}, {"NEXUS_STATS_LISTEN", address},
            {"NEXUS_STATS_ADDR", address}};
  }

  void Start(const std::string& binary, const std::string& key_file, const std::string& log) {
    port_ = testing_support::FreePort();
    process_ = std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath(binary)},
                                            Env(key_file), dir_.path() + "/" + log);
    ASSERT_TRUE(testing_support::WaitForPort(port_, absl::Seconds(20)))
        << binary << " did not start:\n"
        << process_->ReadLog();
  }

  void Stop() { ASSERT_EQ(process_->Stop(SIGTERM, absl::Seconds(15)), 0) << process_->ReadLog(); }

  CommandResult Run(const std::string& binary, std::vector<std::string> args,
                    const std::string& key_file, const std::string& input = "") {
    args.insert(args.begin(), BinaryPath(binary));
    return RunCommand(args, Env(key_file), input);
  }

  std::unique_ptr<pb::Registry::Stub> RegistryStub() const {
    return pb::Registry::NewStub(grpc_runtime::MakeChannel("127.0.0.1:" + std::to_string(port_)));
  }

  // Names of every client key, through the running registry.
  std::set<std::string> KeyNames() {
    auto stub = RegistryStub();
    std::set<std::string> names;
    pb::ListKeysRequest request;
    request.set_page_size(500);
    for (;;) {
      grpc::ClientContext context;
      grpc_runtime::SetDeadline(context, absl::Seconds(10));
      pb::ListKeysResponse page;
      grpc::Status status = stub->ListKeys(&context, request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const pb::ClientKey& key : page.keys()) names.insert(key.name());
      if (!status.ok() || page.next_page_token().empty()) return names;
      request.set_page_token(page.next_page_token());
    }
  }

  testing_support::TempDir dir_;
  std::string data_;
  std::string old_key_;
  std::string new_key_;
  std::string admin_token_env_;
  int port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

TEST_F(OperationsTest, BackupDuringWritesRestoresEveryRowCommittedBeforeIt) {
  ASSERT_NO_FATAL_FAILURE(Start("nexus-registry", old_key_, "registry.log"));
  auto stub = RegistryStub();
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    absl::Cleanup done = [&] { writer_done = true; };
    for (int i = 1; !stop && i < 100000; ++i) {
      grpc::ClientContext context;
      grpc_runtime::SetDeadline(context, absl::Seconds(10));
      pb::CreateKeyRequest request;
      request.set_name(absl::StrCat("k", i));
      pb::CreateKeyResponse response;
      if (!stub->CreateKey(&context, request, &response).ok()) return;
      acknowledged = i;
    }
  });
  while (acknowledged < 20 && !writer_done) std::this_thread::yield();
  const int before_backup = acknowledged;
  const std::string backup = data_ + "/backups/during-writes.db";
  CommandResult backed_up = Run("nexusctl", {"backup", "registry", "--out", backup}, old_key_);
  const int after_backup = acknowledged;
  while (acknowledged < after_backup + 5 && !writer_done) std::this_thread::yield();
  stop = true;
  writer.join();
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.errors;
  EXPECT_THAT(backed_up.output, HasSubstr("backup of registry.db written to " + backup));

  // Offline only: refused while the registry runs, and the live file is untouched.
  CommandResult while_running = Run("nexus-registry", {"restore", "--from", backup}, old_key_);
  EXPECT_EQ(while_running.exit_code, 1);
  EXPECT_THAT(while_running.errors, HasSubstr("stop the service first"));
  const int total = static_cast<int>(KeyNames().size());
  ASSERT_NO_FATAL_FAILURE(Stop());

  std::ofstream(dir_.path() + "/corrupt.db") << "SQLite format 3" << std::string(5000, '\x07');
  CommandResult corrupt =
      Run("nexus-registry", {"restore", "--from=" + dir_.path() + "/corrupt.db"}, old_key_);
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_THAT(corrupt.errors, HasSubstr("cannot be restored"));
  EXPECT_FALSE(std::filesystem::exists(data_ + "/registry.db.bak"));

  CommandResult restored = Run("nexus-registry", {"restore", "--from=" + backup}, old_key_);
  ASSERT_EQ(restored.exit_code, 0) << restored.errors;
  EXPECT_THAT(restored.output, HasSubstr("previous database is kept as"));
  ASSERT_NO_FATAL_FAILURE(Start("nexus-registry", old_key_, "restored.log"));
  std::set<std::string> names = KeyNames();
  // Every key acknowledged before the backup began is back; nothing after the last one the
  // backup could have seen; and no gap (one snapshot).
  ASSERT_GE(static_cast<int>(names.size()), before_backup);
  EXPECT_LE(static_cast<int>(names.size()), after_backup + 1);
  EXPECT_LT(static_cast<int>(names.size()), total);
  for (int i = 1; i <= static_cast<int>(names.size()); ++i) {
    EXPECT_TRUE(names.contains(absl::StrCat("k", i))) << "k" << i << " missing";
  }
  ASSERT_NO_FATAL_FAILURE(Stop());
}

TEST_F(OperationsTest, RotatedMasterKeyKeepsClientKeysAdminTokenAndUpstreamKeys) {
  admin_token_env_ = kAdminToken;
  ASSERT_NO_FATAL_FAILURE(Start("nexus-registry", old_key_, "first.log"));
  CommandResult added = Run("nexusctl",
                            {"providers", "add", "--name", "openai", "--base-url",
                             "https://api.example.com/v1", "--api-key-stdin"},
                            old_key_, std::string(kUpstreamKey) + "\n");
  ASSERT_EQ(added.exit_code, 0) << added.errors;
  ASSERT_EQ(Run("nexusctl", {"models", "add", "--provider", "openai", "--name", "gpt-4o"}, old_key_)
                .exit_code,
            0);
  CommandResult key = Run("nexusctl", {"keys", "create", "--name", "alice", "--json"}, old_key_);
  ASSERT_EQ(key.exit_code, 0) << key.errors;
  const std::string secret = nlohmann::json::parse(key.output).value("secret", "");
  ASSERT_TRUE(secret.starts_with("nx-"));
  ASSERT_NO_FATAL_FAILURE(Stop());
  // From here on the admin token is only what registry.db stores (hashed).
  admin_token_env_ = "";
  const std::string old_sealed = SQLite::Database(data_ + "/registry.db")
                                     .execAndGet("SELECT api_key_sealed FROM providers")
                                     .getString();

  CommandResult wrong =
      Run("nexus-registry", {"rotate-master-key", "--new_master_key_file", new_key_},
          WriteKey("other.key", kOtherMasterKey));
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.errors, HasSubstr("nothing was changed"));
  CommandResult rotated =
      Run("nexus-registry", {"rotate-master-key", "--new_master_key_file=" + new_key_}, old_key_);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.errors;
  EXPECT_THAT(rotated.output, HasSubstr("1 upstream key(s) re-encrypted"));

  CommandResult old_start = Run("nexus-registry", {}, old_key_);
  EXPECT_NE(old_start.exit_code, 0);
  EXPECT_THAT(old_start.errors, HasSubstr("differs from the key this registry.db is encrypted"));

  ASSERT_NO_FATAL_FAILURE(Start("nexus-registry", new_key_, "rotated.log"));
  auto stub = RegistryStub();
  {
    grpc::ClientContext context;
    grpc_runtime::SetDeadline(context, absl::Seconds(10));
    pb::ResolveKeyRequest request;
    request.set_secret(secret);
    request.set_model("gpt-4o");
    pb::ResolveKeyResponse response;
    grpc::Status status = stub->ResolveKey(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.key().name(), "alice");
    ASSERT_EQ(response.routes_size(), 1);
    EXPECT_EQ(response.routes(0).api_key(), kUpstreamKey);
  }
  for (const auto& [token, valid] : {std::pair<std::string, bool>{kAdminToken, true},
                                     {"nx-admin-not-the-token-000000", false}}) {
    grpc::ClientContext context;
    grpc_runtime::SetDeadline(context, absl::Seconds(10));
    pb::CheckAdminTokenRequest request;
    request.set_token(token);
    pb::CheckAdminTokenResponse response;
    ASSERT_TRUE(stub->CheckAdminToken(&context, request, &response).ok());
    EXPECT_EQ(response.valid(), valid) << token;
  }
  ASSERT_NO_FATAL_FAILURE(Stop());

  std::string files =
      ReadFileBytes(data_ + "/registry.db") + ReadFileBytes(data_ + "/registry.db-wal");
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.find("sk-live"), std::string::npos);
  EXPECT_EQ(files.find(old_sealed.substr(1, 24)), std::string::npos)
      << "a ciphertext under the old key is still in the file";
}

TEST_F(OperationsTest, StatsBackupAndRestore) {
  ASSERT_NO_FATAL_FAILURE(Start("nexus-stats", old_key_, "stats.log"));
  auto stub =
      stats::v1::Stats::NewStub(grpc_runtime::MakeChannel("127.0.0.1:" + std::to_string(port_)));
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  auto record = [&](int first, int count) {
    stats::v1::RecordUsageRequest request;
    for (int i = first; i < first + count; ++i) {
      stats::v1::UsageEvent* event = request.add_events();
      event->set_request_id(absl::StrCat("req-", i));
      event->set_timestamp_ms(now_ms);
      event->set_model("gpt-4o");
      event->set_total_tokens(10);
      event->set_http_status(200);
    }
    grpc::ClientContext context;
    grpc_runtime::SetDeadline(context, absl::Seconds(10));
    stats::v1::RecordUsageResponse response;
    grpc::Status status = stub->RecordUsage(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.accepted(), count);
  };
  ASSERT_NO_FATAL_FAILURE(record(0, 5));
  CommandResult backed_up = Run("nexusctl", {"backup", "stats", "--json"}, old_key_);
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.errors;
  const std::string path = nlohmann::json::parse(backed_up.output).value("path", "");
  EXPECT_THAT(path, HasSubstr(data_ + "/backups/stats-"));
  ASSERT_NO_FATAL_FAILURE(record(5, 5));
  ASSERT_NO_FATAL_FAILURE(Stop());

  CommandResult restored = Run("nexus-stats", {"restore", "--from", path}, old_key_);
  ASSERT_EQ(restored.exit_code, 0) << restored.errors;
  ASSERT_NO_FATAL_FAILURE(Start("nexus-stats", old_key_, "stats-restored.log"));
  stub = stats::v1::Stats::NewStub(grpc_runtime::MakeChannel("127.0.0.1:" + std::to_string(port_)));
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(10));
  stats::v1::GetTotalsRequest request;
  request.mutable_filter()->set_start_ms(now_ms - 3600000);
  request.mutable_filter()->set_end_ms(now_ms + 3600000);
  stats::v1::Totals totals;
  ASSERT_TRUE(stub->GetTotals(&context, request, &totals).ok());
  EXPECT_EQ(totals.requests(), 5);
  ASSERT_NO_FATAL_FAILURE(Stop());
}

}  // namespace
}  // namespace nexus
