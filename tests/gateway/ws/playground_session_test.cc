#include "gateway/ws/playground_session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gateway/ws/frame_codec.h"
#include "tests/gateway/ws/fake_chat_pipeline.h"

namespace nexus::gateway::ws {
namespace {

using nlohmann::json;

class RecordingWriter : public MessageWriter {
 public:
  bool SendText(std::string_view message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(json::parse(message));
    changed_.notify_all();
    return true;
  }
  void Close(uint16_t code, std::string_view) override {
    std::lock_guard lock(mutex_);
    close_code_ = code;
  }
  // Waits (bounded) until a message of `type` arrived; returns it or null.
  json WaitFor(const std::string& type) {
    std::unique_lock lock(mutex_);
    json found;
    changed_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const json& m : messages_) {
        if (m["type"] == type) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::vector<json> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  int close_code() {
    std::lock_guard lock(mutex_);
    return close_code_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<json> messages_;
  int close_code_ = 0;
};

class PlaygroundSessionTest : public ::testing::Test {
 protected:
  FakeChatPipeline pipeline_;
  FakeAdminAuthenticator authenticator_;
  RecordingWriter writer_;
  PlaygroundSession session_{pipeline_, authenticator_, writer_, SessionLimits{}};

  void Auth() {
    ASSERT_TRUE(session_.OnText(R"({"type":"auth","token":"admin-token-0123456789"})"));
    ASSERT_EQ(writer_.WaitFor("ready")["session"], "admin");
  }
};

TEST_F(PlaygroundSessionTest, RefusesChatBeforeAuth) {
  EXPECT_FALSE(session_.OnText(R"({"type":"chat","id":"1","model":"m","messages":[]})"));
  EXPECT_EQ(writer_.close_code(), kClosePolicyViolation);
  EXPECT_EQ(writer_.WaitFor("error")["error"]["type"], "authentication_error");
}

TEST_F(PlaygroundSessionTest, RefusesWrongAdminToken) {
  EXPECT_FALSE(session_.OnText(R"({"type":"auth","token":"nx-client-key"})"));
  EXPECT_EQ(writer_.close_code(), kClosePolicyViolation);
  EXPECT_FALSE(session_.authenticated());
}

TEST_F(PlaygroundSessionTest, StreamsDeltasThenDoneWithUsage) {
  Auth();
  ASSERT_TRUE(session_.OnText(
      R"({"type":"chat","id":"c1","model":"gpt","messages":[{"role":"user","content":"hi"}],)"
      R"("temperature":0.2,"max_tokens":50,"conversation_id":"conv-9"})"));
  json done = writer_.WaitFor("done");
  ASSERT_FALSE(done.is_null());
  EXPECT_EQ(done["id"], "c1");
  EXPECT_EQ(done["usage"]["total_tokens"], 5);
  EXPECT_TRUE(done["latency_ms"].is_number());
  EXPECT_TRUE(done["ttft_ms"].is_number());
  std::string text;
  for (const json& m : writer_.messages()) {
    if (m["type"] == "delta") text += m["content"].get<std::string>();
  }
  EXPECT_EQ(text, "Hello world");
  session_.Shutdown();
  ASSERT_EQ(pipeline_.calls().size(), 1u);
  const ChatCall call = pipeline_.calls()[0];
  EXPECT_TRUE(call.admin_session);
  EXPECT_EQ(call.conversation_id, "conv-9");
  EXPECT_EQ(call.endpoint, nexus::stats::v1::ENDPOINT_PLAYGROUND);
  EXPECT_FALSE(call.request_id.empty());
  const json body = json::parse(call.body);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["max_tokens"], 50);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.2);
}

TEST_F(PlaygroundSessionTest, CancelStopsARunningChat) {
  Auth();
  ASSERT_TRUE(session_.OnText(
      R"({"type":"chat","id":7,"model":"stall","messages":[{"role":"user","content":"hi"}]})"));
  ASSERT_FALSE(writer_.WaitFor("delta").is_null());
  ASSERT_TRUE(session_.OnText(R"({"type":"cancel","id":7})"));
  json done = writer_.WaitFor("done");
  ASSERT_FALSE(done.is_null());
  EXPECT_EQ(done["id"], 7);
  EXPECT_EQ(done["cancelled"], true);
  EXPECT_TRUE(pipeline_.aborted_.load());
}

TEST_F(PlaygroundSessionTest, PipelineErrorBecomesErrorMessage) {
  Auth();
  ASSERT_TRUE(session_.OnText(
      R"({"type":"chat","id":"e","model":"bad","messages":[{"role":"user","content":"hi"}]})"));
  json error = writer_.WaitFor("error");
  ASSERT_FALSE(error.is_null());
  EXPECT_EQ(error["id"], "e");
  EXPECT_EQ(error["error"]["code"], "model_not_found");
  EXPECT_EQ(error["error"]["status"], 404);
  session_.Shutdown();
  for (const json& m : writer_.messages()) EXPECT_NE(m["type"], "done");
}

TEST_F(PlaygroundSessionTest, ValidatesChatFields) {
  Auth();
  session_.OnText(R"({"type":"chat","id":"v","model":"m","messages":"hi"})");
  json error = writer_.WaitFor("error");
  EXPECT_EQ(error["error"]["param"], "messages");
  EXPECT_TRUE(pipeline_.calls().empty());
}

TEST_F(PlaygroundSessionTest, RejectsNonJsonAndUnknownTypesWithoutClosing) {
  Auth();
  EXPECT_TRUE(session_.OnText("not json"));
  EXPECT_TRUE(session_.OnText(R"({"type":"dance"})"));
  EXPECT_EQ(writer_.close_code(), 0);
}

TEST_F(PlaygroundSessionTest, ClientKeySessionPassesKeyToPipeline) {
  ASSERT_TRUE(session_.OnText(R"({"type":"auth","key":"nx-abc"})"));
  EXPECT_EQ(writer_.WaitFor("ready")["session"], "key");
  session_.OnText(R"({"type":"chat","id":"k","model":"m","messages":[{"role":"user"}]})");
  ASSERT_FALSE(writer_.WaitFor("done").is_null());
  session_.Shutdown();
  EXPECT_FALSE(pipeline_.calls()[0].admin_session);
  EXPECT_EQ(pipeline_.calls()[0].bearer_secret, "nx-abc");
}

// Failed authentications reach the gateway's throttle as over HTTP: a refused admin token and a
// chat refused with 401 count; an unreachable registry and other errors do not.
TEST(PlaygroundSessionAuthFailureTest, RefusedTokensAndUnauthorizedChatsAreReported) {
  FakeChatPipeline pipeline;
  FakeAdminAuthenticator authenticator;
  std::atomic<int> failures{0};
  auto count = [&failures] { failures.fetch_add(1); };
  {
    RecordingWriter writer;
    PlaygroundSession session(pipeline, authenticator, writer, SessionLimits{}, count);
    EXPECT_FALSE(session.OnText(R"({"type":"auth","token":"wrong-token"})"));
    EXPECT_EQ(failures.load(), 1);
  }
  {
    RecordingWriter writer;
    PlaygroundSession session(pipeline, authenticator, writer, SessionLimits{}, count);
    EXPECT_FALSE(session.OnText(R"({"type":"auth","token":"registry-down"})"));
    EXPECT_EQ(failures.load(), 1);
  }
  {
    RecordingWriter writer;
    PlaygroundSession session(pipeline, authenticator, writer, SessionLimits{}, count);
    ASSERT_TRUE(session.OnText(R"({"type":"auth","key":"nx-wrong"})"));
    const std::string messages = R"("messages":[{"role":"user","content":"hi"}]})";
    session.OnText(R"({"type":"chat","id":"a","model":"unauthorized",)" + messages);
    session.OnText(R"({"type":"chat","id":"b","model":"bad",)" + messages);
    session.Shutdown();  // joins both chats
    EXPECT_EQ(pipeline.calls().size(), 2u);
    EXPECT_EQ(failures.load(), 2);
  }
}

}  // namespace
}  // namespace nexus::gateway::ws
