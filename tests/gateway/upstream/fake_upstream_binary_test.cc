// The nexus-fake-upstream binary that integration tests of other parts drive: flags, the
// listening line, the control endpoints and a clean exit on SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::testing_support {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class FakeUpstreamBinaryTest : public ::testing::Test {
 protected:
  void StartFake(std::vector<std::string> flags) {
    port_ = FreePort();
    std::vector<std::string> argv = {BinaryPath("nexus-fake-upstream"),
                                     "--port=" + std::to_string(port_)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                            dir_.path() + "/fake.log");
    ASSERT_TRUE(WaitForPort(port_, absl::Seconds(10))) << process_->ReadLog();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Subprocess> process_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(FakeUpstreamBinaryTest, ServesScriptsAndReportsWhatItSaw) {
  StartFake({"--api_key=sk-fake", "--pieces=a|b|c"});
  const std::string line = "listening on 127.0.0.1:" + std::to_string(port_);
  for (int i = 0; i < 500 && process_->ReadLog().find(line) == std::string::npos; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(process_->ReadLog(), HasSubstr(line));

  auto denied = client_->Post("/v1/chat/completions", R"({"model":"m"})", "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);

  httplib::Headers auth = {{"Authorization", "Bearer sk-fake"}};
  auto stream = client_->Post(
      "/v1/chat/completions", auth,
      R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})", "application/json");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->status, 200);
  EXPECT_THAT(stream->body, HasSubstr(R"("content":"b")"));
  EXPECT_THAT(stream->body, HasSubstr(R"("usage":{"prompt_tokens":9,"completion_tokens":3)"));
  EXPECT_THAT(stream->body, HasSubstr("data: [DONE]\n\n"));

  auto queued =
      client_->Post("/_fake/queue", R"({"mode":"http_error","status":503})", "application/json");
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status, 200);
  auto failed = client_->Post("/v1/chat/completions", auth, R"({"model":"m"})", "application/json");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 503);
  auto after = client_->Post("/v1/chat/completions", auth, R"({"model":"m"})", "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);  // the queue held one script

  auto bad_script = client_->Post("/_fake/script", R"({"mode":"explode"})", "application/json");
  ASSERT_TRUE(bad_script);
  EXPECT_EQ(bad_script->status, 400);

  auto requests = client_->Get("/_fake/requests");
  ASSERT_TRUE(requests);
  Json seen = Json::parse(requests->body);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1]["headers"]["Authorization"], "Bearer sk-fake");
  EXPECT_EQ(seen[1]["path"], "/v1/chat/completions");

  auto stats = client_->Get("/_fake/stats");
  ASSERT_TRUE(stats);
  EXPECT_EQ(Json::parse(stats->body)["completed_streams"], 1);

  EXPECT_EQ(process_->Stop(SIGTERM, absl::Seconds(10)), 0);
}

TEST_F(FakeUpstreamBinaryTest, RejectsBadFlags) {
  CommandResult r = RunCommand({BinaryPath("nexus-fake-upstream"), "--mode=explode"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.errors, HasSubstr("unknown mode"));
}

}  // namespace
}  // namespace nexus::testing_support
