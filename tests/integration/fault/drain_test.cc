// SIGTERM while streams are in flight: the gateway refuses new connections at once, lets the
// streams finish within the drain deadline (NEXUS_SHUTDOWN_TIMEOUT), cancels what is still running
// at the deadline, delivers the usage events, and exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "absl/time/clock.h"
#include "tests/integration/fault/fault_stack.h"
#include "tests/support/chat_client.h"

namespace nexus::testing_support {
namespace {

constexpr absl::Duration kGuard = absl::Seconds(60);

bool WaitUntil(const std::function<bool()>& done) {
  for (absl::Time until = absl::Now() + kGuard; absl::Now() < until;) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

class Streams {
 public:
  Streams(int port, const std::string& key, int count) : results_(count) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this, port, key, i] {
        ChatClient client(port, kGuard);
        results_[i] = client.Chat(key, ChatBody(/*stream=*/true, /*include_usage=*/true));
      });
    }
  }
  const std::vector<ChatResult>& Join() {
    for (std::thread& thread : threads_) thread.join();
    return results_;
  }

 private:
  std::vector<ChatResult> results_;
  std::vector<std::thread> threads_;
};

TEST(FaultDrainTest, InFlightStreamsFinishNewConnectionsAreRefusedExitZero) {
  // A drain deadline far beyond the streams' length: the gateway must exit when they are done,
  // not when the deadline passes (an idle keep-alive client must not hold it either).
  FaultStack stack({.gateway_env = {{"NEXUS_SHUTDOWN_TIMEOUT", "120s"}}});
  ASSERT_TRUE(stack.Start());
  int64_t key_id = 0;
  const std::string key = stack.NewKey("drain", &key_id);
  ChatClient idle(stack.gateway_port(), kGuard);
  ASSERT_EQ(idle.Chat(key, ChatBody(false, true)).status, 200);

  FakeScript slow;
  slow.pieces = std::vector<std::string>(15, "tick ");
  slow.event_delay = absl::Milliseconds(100);
  stack.upstream().SetDefaultScript(slow);
  constexpr int kStreams = 4;
  Streams streams(stack.gateway_port(), key, kStreams);
  ASSERT_TRUE(WaitUntil([&] { return stack.upstream().active_streams() == kStreams; }));

  ASSERT_EQ(::kill(stack.gateway().pid(), SIGTERM), 0);
  EXPECT_TRUE(WaitUntil([&] { return !AcceptsConnections(stack.gateway_port()); }));
  for (const ChatResult& result : streams.Join()) {
    EXPECT_EQ(result.status, 200) << result.body;
    EXPECT_TRUE(result.done) << result.body;
    EXPECT_FALSE(result.error_event) << result.body;
  }
  EXPECT_EQ(stack.gateway().Wait(kGuard), 0) << stack.GatewayLog();
  EXPECT_EQ(stack.upstream().completed_streams(), kStreams);
  // The usage of every call reached stats before the exit.
  nexus::stats::v1::Totals totals = stack.WaitForRequests(key_id, 1 + kStreams, kGuard);
  EXPECT_EQ(totals.requests(), 1 + kStreams);
  EXPECT_EQ(totals.completion_tokens(), 5 + kStreams * 15);
}

TEST(FaultDrainTest, StreamsStillRunningAtTheDeadlineAreCutAndAccounted) {
  FaultStack stack({.gateway_env = {{"NEXUS_SHUTDOWN_TIMEOUT", "1s"}}});
  ASSERT_TRUE(stack.Start());
  int64_t key_id = 0;
  const std::string key = stack.NewKey("drain-deadline", &key_id);
  FakeScript stall;
  stall.mode = FakeScript::Mode::kStall;
  stall.after_events = 2;
  stack.upstream().SetDefaultScript(stall);
  constexpr int kStreams = 2;
  Streams streams(stack.gateway_port(), key, kStreams);
  ASSERT_TRUE(WaitUntil([&] { return stack.upstream().active_streams() == kStreams; }));

  ASSERT_EQ(::kill(stack.gateway().pid(), SIGTERM), 0);
  // Cut at the deadline: the client sees its stream end without [DONE] (the connection is shut).
  for (const ChatResult& result : streams.Join()) EXPECT_FALSE(result.done) << result.body;
  EXPECT_EQ(stack.gateway().Wait(kGuard), 0) << stack.GatewayLog();
  // The upstream calls were abandoned, and each call left its usage event.
  EXPECT_TRUE(stack.upstream().WaitForClientAborts(kStreams, kGuard));
  nexus::stats::v1::Totals totals = stack.WaitForRequests(key_id, kStreams, kGuard);
  EXPECT_EQ(totals.requests(), kStreams);
}

}  // namespace
}  // namespace nexus::testing_support
