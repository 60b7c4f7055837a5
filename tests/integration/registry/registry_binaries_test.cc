// Runs the real nexus-registry and nexusctl: secrets stay out of registry.db, rows survive a
// restart, and a revoked or disabled key reaches a watch stream promptly.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <future>
#include <iterator>
#include <nlohmann/json.hpp>

#include "nexus/registry/v1/registry.grpc.pb.h"
#include "services/grpc/channel_factory.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::registry {
namespace {

namespace pb = nexus::registry::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::BinaryPath;
using testing_support::CommandResult;
using testing_support::ReadFileBytes;
using testing_support::RunCommand;
using testing_support::Subprocess;

constexpr char kUpstreamKey[] = "sk-live-XYZ9f8e7d6c5b4a39281706";
// base64 of 32 bytes: what the documented `head -c 32 /dev/urandom | base64` produces.
constexpr char kMasterKey[] = "q1ZtK2bWZr9yq2v0c3JbbcTt8cA0H3eQ4P5n9Zc0m1Y=";

class RegistryBinariesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_file_ = dir_.path() + "/master.key";
    std::ofstream(key_file_) << kMasterKey << "\n";
    chmod(key_file_.c_str(), 0600);
  }

  std::map<std::string, std::string> Env() const {
    return {{"NEXUS_DATA_DIR", dir_.path() + "/data"},
            {"NEXUS_MASTER_KEY_FILE", key_file_},
            {"NEXUS_MASTER_KEY", ""},
            {"NEXUS_ADMIN_TOKEN", ""},
            {"NEXUS_REGISTRY_LISTEN", "127.0.0.1:" + std::to_string(port_)},
            {"NEXUS_REGISTRY_ADDR", "127.0.0.1:" + std::to_string(port_)}};
  }

  void StartRegistry(const std::string& log_name) {
    port_ = testing_support::FreePort();
    log_path_ = dir_.path() + "/" + log_name;
    registry_ = std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath("nexus-registry")},
                                             Env(), log_path_);
    ASSERT_TRUE(testing_support::WaitForPort(port_, absl::Seconds(20)))
        << "registry did not start:\n"
        << registry_->ReadLog();
  }

  int StopRegistry() { return registry_->Stop(SIGTERM, absl::Seconds(15)); }

  CommandResult Ctl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), BinaryPath("nexusctl"));
    return RunCommand(args, Env(), input);
  }

  nlohmann::json CtlJson(std::vector<std::string> args) {
    args.push_back("--json");
    CommandResult result = Ctl(args);
    EXPECT_EQ(result.exit_code, 0) << result.errors;
    return nlohmann::json::parse(result.output, nullptr, false);
  }

  testing_support::TempDir dir_;
  std::string key_file_;
  int port_ = 0;
  std::string log_path_;
  std::unique_ptr<Subprocess> registry_;
};

TEST_F(RegistryBinariesTest, RefusesToStartWithoutMasterKeyAndSaysHowToMakeOne) {
  port_ = testing_support::FreePort();
  std::map<std::string, std::string> env = Env();
  env["NEXUS_MASTER_KEY_FILE"] = "";
  CommandResult result = RunCommand({BinaryPath("nexus-registry")}, env);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.errors, HasSubstr("head -c 32 /dev/urandom | base64"));
  EXPECT_THAT(result.errors, HasSubstr("chmod 600"));
}

TEST_F(RegistryBinariesTest, SecretsStayOutOfTheDatabaseAndRowsSurviveRestart) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry("first.log"));
  CommandResult added = Ctl({"providers", "add", "--name", "openai", "--base-url",
                             "https://api.example.com/v1", "--api-key-stdin"},
                            std::string(kUpstreamKey) + "\n");
  ASSERT_EQ(added.exit_code, 0) << added.errors;
  EXPECT_THAT(added.output, Not(HasSubstr("XYZ")));
  ASSERT_EQ(Ctl({"providers", "add", "--name", "local", "--base-url", "http://127.0.0.1:9/v1",
                 "--priority", "5"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"models", "add", "--provider", "openai", "--name", "gpt-4o"}).exit_code, 0);
  ASSERT_EQ(
      Ctl({"models", "add", "--provider", "local", "--name", "gpt-4o", "--upstream-name", "llama3"})
          .exit_code,
      0);
  nlohmann::json key = CtlJson({"keys", "create", "--name", "alice", "--models", "gpt-4o"});
  std::string secret = key.value("secret", "");
  ASSERT_TRUE(secret.starts_with("nx-")) << key.dump();
  ASSERT_EQ(Ctl({"keys", "create", "--name", "bob"}).exit_code, 0);

  // Neither the upstream key nor the client secret is anywhere in the files, WAL included.
  std::string db = ReadFileBytes(dir_.path() + "/data/registry.db") +
                   ReadFileBytes(dir_.path() + "/data/registry.db-wal");
  ASSERT_FALSE(db.empty());
  struct stat info {};
  ASSERT_EQ(stat((dir_.path() + "/data/registry.db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 077, 0u) << "registry.db is for the service's user only";
  EXPECT_EQ(db.find("XYZ"), std::string::npos);
  EXPECT_EQ(db.find(secret.substr(3)), std::string::npos);
  // The generated admin token was printed once, on stdout, and never logged in clear elsewhere.
  EXPECT_THAT(registry_->ReadLog(), HasSubstr("admin token (shown only this once"));

  ASSERT_EQ(StopRegistry(), 0) << registry_->ReadLog();
  ASSERT_NO_FATAL_FAILURE(StartRegistry("second.log"));
  EXPECT_THAT(registry_->ReadLog(), Not(HasSubstr("shown only this once")));

  nlohmann::json providers = CtlJson({"providers", "list"});
  ASSERT_EQ(providers["providers"].size(), 2u) << providers.dump();
  EXPECT_EQ(providers["providers"][0]["name"], "openai");
  EXPECT_EQ(providers["providers"][0]["api_key_hint"], "sk-...1706");
  EXPECT_EQ(CtlJson({"models", "list"})["models"].size(), 2u);
  nlohmann::json keys = CtlJson({"keys", "list"});
  ASSERT_EQ(keys["keys"].size(), 2u);
  EXPECT_EQ(keys["keys"][0]["allowed_models"][0], "gpt-4o");

  // The upstream key still decrypts after the restart.
  auto stub =
      pb::Registry::NewStub(grpc_runtime::MakeChannel("127.0.0.1:" + std::to_string(port_)));
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(10));
  pb::ResolveKeyRequest request;
  request.set_secret(secret);
  request.set_model("gpt-4o");
  pb::ResolveKeyResponse response;
  ASSERT_TRUE(stub->ResolveKey(&context, request, &response).ok());
  ASSERT_EQ(response.routes_size(), 2);
  EXPECT_EQ(response.routes(0).provider_name(), "openai");
  EXPECT_EQ(response.routes(0).api_key(), kUpstreamKey);
  EXPECT_EQ(response.routes(1).upstream_model(), "llama3");
  EXPECT_EQ(StopRegistry(), 0);
}

// Reads the watch stream on its own thread until a KIND_KEY event for `key_id` arrives.
std::future<bool> AwaitKeyEvent(pb::Registry::Stub& stub, grpc::ClientContext& context,
                                int64_t key_id) {
  auto reader = std::shared_ptr<grpc::ClientReader<pb::ChangeEvent>>(
      stub.Watch(&context, pb::WatchRequest()));
  pb::ChangeEvent first;
  if (!reader->Read(&first) || first.kind() != pb::ChangeEvent::KIND_RESET) {
    std::promise<bool> failed;
    failed.set_value(false);
    return failed.get_future();
  }
  return std::async(std::launch::async, [reader, key_id] {
    pb::ChangeEvent event;
    while (reader->Read(&event)) {
      if (event.kind() == pb::ChangeEvent::KIND_KEY && event.id() == key_id) return true;
    }
    return false;
  });
}

TEST_F(RegistryBinariesTest, RevokedAndDisabledKeysReachTheWatchStreamWithinOneSecond) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry("watch.log"));
  ASSERT_EQ(Ctl({"keys", "create", "--name", "alice"}).exit_code, 0);
  ASSERT_EQ(Ctl({"keys", "create", "--name", "bob"}).exit_code, 0);
  auto stub =
      pb::Registry::NewStub(grpc_runtime::MakeChannel("127.0.0.1:" + std::to_string(port_)));

  struct Case {
    std::vector<std::string> command;
    int64_t key_id;
  };
  for (const Case& c :
       {Case{{"keys", "revoke", "1"}, 1}, Case{{"keys", "update", "2", "--disable"}, 2}}) {
    grpc::ClientContext context;
    grpc_runtime::SetDeadline(context, absl::Seconds(30));
    std::future<bool> seen = AwaitKeyEvent(*stub, context, c.key_id);
    CommandResult changed = Ctl(c.command);
    ASSERT_EQ(changed.exit_code, 0) << changed.errors;
    // The wait is bounded by the requirement; no assertion on how fast it actually was.
    bool arrived =
        seen.wait_for(std::chrono::seconds(1)) == std::future_status::ready && seen.get();
    context.TryCancel();
    EXPECT_TRUE(arrived) << "no watch event for key " << c.key_id << " within 1 s";
  }
  EXPECT_EQ(StopRegistry(), 0) << "SIGTERM with watchers gone ends cleanly";
}

TEST_F(RegistryBinariesTest, SigtermWithAnOpenWatchStreamStillExitsZero) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry("shutdown.log"));
  auto stub =
      pb::Registry::NewStub(grpc_runtime::MakeChannel("127.0.0.1:" + std::to_string(port_)));
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(60));
  auto reader = stub->Watch(&context, pb::WatchRequest());
  pb::ChangeEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(StopRegistry(), 0) << registry_->ReadLog();
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace nexus::registry
