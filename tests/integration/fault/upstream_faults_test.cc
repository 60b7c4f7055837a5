// An upstream that resets connections, stalls, sends malformed SSE, sends a 200 and then an error
// event, or answers slower than the gateway's read timeout: each call gives its client an
// OpenAI-shaped error (JSON) or a stream that ends with an error event instead of [DONE], exactly
// one usage event is recorded, and the gateway keeps serving.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/fault/fault_stack.h"
#include "tests/support/chat_client.h"

namespace nexus::testing_support {
namespace {

using Mode = FakeScript::Mode;

constexpr absl::Duration kGuard = absl::Seconds(60);

struct UpstreamFault {
  std::string name;
  FakeScript script;
  bool stream = false;
  // What the client gets: an HTTP error status with an OpenAI error body, or (0) a 200 stream
  // that ends with an error event and no [DONE].
  int error_status = 0;
  std::string error_code;  // the error's code, when the gateway writes the error itself
};

FakeScript Script(Mode mode, int after_events = 2) {
  FakeScript script;
  script.mode = mode;
  script.after_events = after_events;
  return script;
}

FakeScript Slow(absl::Duration response_delay, absl::Duration event_delay) {
  FakeScript script;
  script.response_delay = response_delay;
  script.event_delay = event_delay;
  return script;
}

// The gateway reads with a 1 s timeout (set below); "slow" is three times that.
std::vector<UpstreamFault> Faults() {
  return {
      {"ResetBeforeAnswerJson", Script(Mode::kReset), false, 502, "upstream_unavailable"},
      {"ResetBeforeAnswerStream", Script(Mode::kReset, 0), true, 502, "upstream_unavailable"},
      {"ResetMidStream", Script(Mode::kReset, 3), true, 0, "upstream_stream_broken"},
      {"ClosedMidStream", Script(Mode::kCloseMidStream, 3), true, 0, "upstream_stream_broken"},
      {"ClosedMidBodyJson", Script(Mode::kCloseMidStream), false, 502, ""},
      {"StallBeforeAnswerJson", Script(Mode::kStall), false, 504, "upstream_timeout"},
      {"StallMidStream", Script(Mode::kStall, 2), true, 0, ""},
      {"MalformedSse", Script(Mode::kMalformedSse, 2), true, 0, ""},
      {"MalformedJson", Script(Mode::kMalformedSse), false, 502, "upstream_invalid_answer"},
      {"ErrorEventAfter200", Script(Mode::kErrorAfter200, 2), true, 0, ""},
      {"SlowerThanTimeoutJson", Slow(absl::Seconds(3), absl::ZeroDuration()), false, 504,
       "upstream_timeout"},
      {"SlowerThanTimeoutStream", Slow(absl::Seconds(3), absl::ZeroDuration()), true, 504,
       "upstream_timeout"},
      {"SlowEventsPastTimeout", Slow(absl::ZeroDuration(), absl::Seconds(3)), true, 504,
       "upstream_timeout"},
  };
}

class UpstreamFaultsTest : public ::testing::TestWithParam<UpstreamFault> {
 protected:
  // One stack for every case that runs in this process (ctest runs one case per process).
  void SetUp() override {
    if (stack_ == nullptr) {
      auto stack = std::make_unique<FaultStack>(
          FaultStackOptions{.gateway_env = {{"NEXUS_UPSTREAM_READ_TIMEOUT", "1s"}}});
      ASSERT_TRUE(stack->Start());
      stack_ = stack.release();
    }
    stack_->upstream().Reset();
    stack_->upstream().SetDefaultScript(FakeScript{});
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  static FaultStack* stack_;
};

FaultStack* UpstreamFaultsTest::stack_ = nullptr;

TEST_P(UpstreamFaultsTest, ClientGetsAnOpenAiErrorOneUsageEventAndTheGatewayServesOn) {
  const UpstreamFault& fault = GetParam();
  int64_t key_id = 0;
  const std::string key = stack_->NewKey(fault.name, &key_id);
  // The default script, not a queued one: a reset on a reused keep-alive connection is retried
  // once on a new connection (it may just have been closed idle), and must fail again.
  stack_->upstream().SetDefaultScript(fault.script);
  ChatClient client(stack_->gateway_port(), kGuard);
  ChatResult result = client.Chat(key, ChatBody(fault.stream, /*include_usage=*/true));
  stack_->upstream().SetDefaultScript(FakeScript{});

  if (fault.error_status != 0) {
    EXPECT_EQ(result.status, fault.error_status) << result.body;
    EXPECT_FALSE(result.streamed) << result.body;
    nlohmann::json body = nlohmann::json::parse(result.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << result.body;
    ASSERT_TRUE(body["error"].is_object()) << result.body;
    EXPECT_TRUE(body["error"]["message"].is_string()) << result.body;
    EXPECT_TRUE(body["error"]["type"].is_string()) << result.body;
    EXPECT_TRUE(body["error"].contains("code") && body["error"].contains("param")) << result.body;
  } else {
    EXPECT_EQ(result.status, 200) << result.body;
    EXPECT_TRUE(result.streamed) << result.body;
    EXPECT_TRUE(result.error_event) << result.body;
    EXPECT_FALSE(result.done) << result.body;
  }
  if (!fault.error_code.empty()) {
    EXPECT_EQ(result.error_code, fault.error_code) << result.body;
  }
  // The upstream's key never reaches the client.
  EXPECT_EQ(result.body.find("sk-fault-upstream-secret"), std::string::npos) << result.body;

  // Exactly one usage event, with the status the client saw, once the reporter settled.
  stack_->WaitForRequests(key_id, 1, kGuard);
  ChatResult healthy = client.Chat(key, ChatBody(fault.stream, /*include_usage=*/true));
  EXPECT_EQ(healthy.status, 200) << healthy.body;
  EXPECT_EQ(healthy.streamed, fault.stream);
  if (fault.stream) {
    EXPECT_TRUE(healthy.done) << healthy.body;
  }
  stack_->WaitForRequests(key_id, 2, kGuard);
  std::multiset<int64_t> statuses;
  for (const auto& event : stack_->EventsFor(key_id)) statuses.insert(event.http_status());
  const int64_t failed_status = fault.error_status != 0 ? fault.error_status : 502;
  EXPECT_EQ(statuses, (std::multiset<int64_t>{200, failed_status}));
}

INSTANTIATE_TEST_SUITE_P(Faults, UpstreamFaultsTest, ::testing::ValuesIn(Faults()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace nexus::testing_support
