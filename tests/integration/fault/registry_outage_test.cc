// The registry is killed (SIGKILL) under load and restarted: known keys keep working for the
// configured staleness, keys the gateway cannot check get 503 (never 401), and everything works
// again once the registry is back.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/fault/fault_stack.h"
#include "tests/integration/fault/load_runner.h"

namespace nexus::testing_support {
namespace {

constexpr absl::Duration kGuard = absl::Seconds(60);

ChatResult OneCall(int port, const std::string& key, bool stream = false) {
  ChatClient client(port, absl::Seconds(30));
  return client.Chat(key, ChatBody(stream, true));
}

// Calls with `key` until the answer has `status`; the last result. `kGuard` bounds the wait.
ChatResult CallUntil(int port, const std::string& key, int status) {
  ChatResult result;
  const absl::Time until = absl::Now() + kGuard;
  do {
    result = OneCall(port, key);
    if (result.status == status) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < until);
  return result;
}

TEST(FaultRegistryOutageTest, KnownKeysKeepWorkingUnknownKeysGet503AndAllRecovers) {
  FaultStack stack;
  ASSERT_TRUE(stack.Start());
  const int port = stack.gateway_port();
  int64_t key_id = 0;
  const std::string known = stack.NewKey("known", &key_id);
  ASSERT_EQ(OneCall(port, known).status, 200);
  // Exists in the registry, but the gateway never saw it: it cannot be checked in an outage.
  const std::string unseen = stack.NewKey("unseen");
  // Answers take a few milliseconds, so the clients load the gateway without saturating the CPU.
  FakeScript script;
  script.response_delay = absl::Milliseconds(5);
  stack.upstream().SetDefaultScript(script);

  LoadRunner load(port, 4, [&](ChatClient& client, int, int64_t i) {
    return client.Chat(known, ChatBody(/*stream=*/i % 2 == 1, /*include_usage=*/true));
  });
  ASSERT_TRUE(load.WaitForCalls(20, kGuard)) << load.Tally().Describe();
  ASSERT_EQ(stack.StopRegistry(SIGKILL), 128 + SIGKILL);
  const int64_t at_kill = load.Tally().calls;

  // The gateway notices (readiness), and serves on meanwhile.
  httplib::Client probe("127.0.0.1", port);
  int ready = 0;
  for (absl::Time until = absl::Now() + kGuard; absl::Now() < until;) {
    auto res = probe.Get("/readyz");
    ready = res ? res->status : 0;
    if (ready == 503) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(ready, 503);
  ASSERT_TRUE(load.WaitForCalls(at_kill + 40, kGuard)) << load.Tally().Describe();

  for (const std::string& key : {unseen, std::string("nx-no-such-key-0123456789abcdef")}) {
    ChatResult refused = OneCall(port, key);
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_EQ(refused.error_type, "service_unavailable") << refused.body;
  }
  ChatResult stream = OneCall(port, known, /*stream=*/true);
  EXPECT_EQ(stream.status, 200) << stream.body;
  EXPECT_TRUE(stream.done) << stream.body;

  ASSERT_TRUE(stack.StartRegistry());
  // Once the gateway reconnected: the unseen key works, an unknown one is a plain 401.
  ChatResult back = CallUntil(port, unseen, 200);
  EXPECT_EQ(back.status, 200) << back.body;
  ChatResult bad = OneCall(port, "nx-no-such-key-0123456789abcdef");
  EXPECT_EQ(bad.status, 401) << bad.body;
  int64_t fresh_id = 0;
  const std::string fresh = stack.NewKey("after-restart", &fresh_id);
  EXPECT_EQ(CallUntil(port, fresh, 200).status, 200);
  const int64_t at_restart = load.Tally().calls;
  ASSERT_TRUE(load.WaitForCalls(at_restart + 20, kGuard)) << load.Tally().Describe();
  load.Stop();

  LoadTally tally = load.Tally();
  EXPECT_EQ(tally.failed, 0) << tally.Describe();
  EXPECT_EQ(tally.answers_with_usage, tally.calls) << tally.Describe();
  // Stats stayed up: every call of the known key is accounted, with what its client was told.
  const int64_t calls = tally.calls + 2;  // with the first call and the stream in the outage
  nexus::stats::v1::Totals totals = stack.WaitForRequests(key_id, calls, kGuard);
  EXPECT_EQ(totals.requests(), calls);
  EXPECT_EQ(totals.prompt_tokens(), tally.prompt_tokens + 2 * 9);
  EXPECT_EQ(totals.completion_tokens(), tally.completion_tokens + 2 * 5);
}

TEST(FaultRegistryOutageTest, StalenessIsBounded) {
  FaultStack stack({.gateway_env = {{"NEXUS_KEY_STALENESS", "1s"}}});
  ASSERT_TRUE(stack.Start());
  const int port = stack.gateway_port();
  const std::string key = stack.NewKey("bounded");
  ASSERT_EQ(OneCall(port, key).status, 200);
  ASSERT_EQ(stack.StopRegistry(SIGKILL), 128 + SIGKILL);
  // Past the staleness bound the key is no longer trusted; it is not called invalid either.
  ChatResult refused = CallUntil(port, key, 503);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.error_type, "service_unavailable") << refused.body;
  ASSERT_TRUE(stack.StartRegistry());
  EXPECT_EQ(CallUntil(port, key, 200).status, 200);
}

}  // namespace
}  // namespace nexus::testing_support
