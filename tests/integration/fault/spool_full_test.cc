// The usage spool cannot take more while stats is down: full (its size bound) or on a full disk
// (a file-size limit on the gateway process, which needs no root). The gateway keeps serving, says
// so clearly in its log and on /metrics, and every event is either in stats afterwards or counted
// as dropped.
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "tests/integration/fault/fault_stack.h"
#include "tests/integration/fault/load_runner.h"

namespace nexus::testing_support {
namespace {

constexpr absl::Duration kGuard = absl::Seconds(120);

// Calls with `key` until `metric` is positive; returns how many calls were made. All must succeed.
int64_t CallUntilMetric(FaultStack& stack, const std::string& key, const std::string& metric,
                        LoadTally* tally) {
  LoadRunner load(stack.gateway_port(), 4, [&](ChatClient& client, int, int64_t) {
    return client.Chat(key, ChatBody(/*stream=*/false, /*include_usage=*/true));
  });
  for (absl::Time until = absl::Now() + kGuard; absl::Now() < until;) {
    if (stack.Metric(metric).value_or(0) > 0) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  load.Stop();
  *tally = load.Tally();
  return tally->calls;
}

// Restarts stats and waits until the gateway delivered all it kept; every call is then either in
// stats or in the dropped counter.
void ExpectEveryEventDeliveredOrCounted(FaultStack& stack, int64_t key_id, int64_t calls) {
  ASSERT_TRUE(stack.StartStats());
  for (absl::Time until = absl::Now() + kGuard; absl::Now() < until;) {
    if (stack.Metric("nexus_usage_spool_bytes") == 0.0 &&
        stack.Metric("nexus_usage_queue_depth") == 0.0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  const int64_t dropped =
      static_cast<int64_t>(stack.Metric("nexus_usage_events_dropped_total").value_or(-1));
  EXPECT_GT(dropped, 0);
  nexus::stats::v1::Totals totals = stack.WaitForRequests(key_id, calls - dropped, kGuard);
  EXPECT_EQ(totals.requests() + dropped, calls);
}

TEST(FaultSpoolFullTest, SpoolAtItsSizeBoundDropsCountsAndKeepsServing) {
  FaultStack stack({.gateway_env = {{"NEXUS_USAGE_SPOOL_MAX_BYTES", "8192"}}});
  ASSERT_TRUE(stack.Start());
  int64_t key_id = 0;
  const std::string key = stack.NewKey("spool-bound", &key_id);
  ASSERT_EQ(stack.StopStats(SIGKILL), 128 + SIGKILL);
  LoadTally tally;
  const int64_t calls = CallUntilMetric(stack, key, "nexus_usage_events_dropped_total", &tally);
  EXPECT_EQ(tally.failed, 0) << tally.Describe();
  EXPECT_LE(stack.Metric("nexus_usage_spool_bytes").value_or(1e9), 8192);
  EXPECT_TRUE(absl::StrContains(stack.GatewayLog(), "LOST")) << stack.GatewayLog();
  ExpectEveryEventDeliveredOrCounted(stack, key_id, calls);
}

TEST(FaultSpoolFullTest, DiskFullFailsSpoolWritesLoudlyAndTheGatewayKeepsServing) {
  // Every file the gateway writes is capped at 32 KiB, its log included: log warnings only.
  FaultStack stack(
      {.gateway_env = {{"NEXUS_LOG_LEVEL", "warning"}}, .gateway_max_file_bytes = 32 << 10});
  ASSERT_TRUE(stack.Start());
  int64_t key_id = 0;
  const std::string key = stack.NewKey("disk-full", &key_id);
  ASSERT_EQ(stack.StopStats(SIGKILL), 128 + SIGKILL);
  LoadTally tally;
  const int64_t calls = CallUntilMetric(stack, key, "nexus_usage_spool_errors_total", &tally);
  EXPECT_EQ(tally.failed, 0) << tally.Describe();
  EXPECT_TRUE(stack.gateway().running()) << stack.GatewayLog();
  const std::string log = stack.GatewayLog();
  EXPECT_TRUE(absl::StrContains(log, "usage spool write failed")) << log;
  EXPECT_TRUE(absl::StrContains(log, "File too large")) << log;
  ChatClient client(stack.gateway_port(), kGuard);
  EXPECT_EQ(client.Chat(key, ChatBody(true, true)).status, 200);
  ExpectEveryEventDeliveredOrCounted(stack, key_id, calls + 1);
}

}  // namespace
}  // namespace nexus::testing_support
