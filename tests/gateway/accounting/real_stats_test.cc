// The usage reporter against the real stats service (nexus_stats_lib, SQLite under a temp dir):
// an outage and a restart of stats must leave every event counted exactly once.
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "gateway/accounting/file_spool.h"
#include "gateway/accounting/stats_usage_reporter.h"
#include "services/grpc/channel_factory.h"
#include "stats/app/stats_server.h"
#include "tests/support/capture_sink.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway {
namespace {

using nexus::stats::v1::Stats;
using nexus::stats::v1::UsageEvent;

bool WaitUntil(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(60)) {
  absl::Time give_up = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class RealStatsTest : public ::testing::Test {
 protected:
  void StartStats() {
    stats::StatsSettings settings;
    settings.listen = absl::StrCat("127.0.0.1:", port_);
    settings.data_dir = stats_dir_.path();
    auto server = stats::StatsServer::Start(settings, logger_, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void StopStats() {
    server_->Shutdown(absl::Seconds(1));
    server_.reset();
  }

  UsageEvent MakeEvent(const std::string& id, int64_t tokens) {
    UsageEvent event;
    event.set_request_id(id);
    event.set_timestamp_ms(absl::ToUnixMillis(clock_.Now()));
    event.set_key_id(1);
    event.set_provider_id(2);
    event.set_model("gpt-4o");
    event.set_upstream_model("gpt-4o-2024-08-06");
    event.set_prompt_tokens(tokens);
    event.set_completion_tokens(tokens);
    event.set_total_tokens(2 * tokens);
    event.set_token_source(nexus::stats::v1::TOKEN_SOURCE_REPORTED);
    event.set_endpoint(nexus::stats::v1::ENDPOINT_CHAT_COMPLETIONS);
    event.set_http_status(200);
    event.set_latency_ms(12);
    return event;
  }

  nexus::stats::v1::Totals Totals() {
    nexus::stats::v1::GetTotalsRequest request;
    request.mutable_filter()->set_start_ms(0);
    request.mutable_filter()->set_end_ms(absl::ToUnixMillis(clock_.Now() + absl::Hours(1)));
    nexus::stats::v1::Totals totals;
    grpc::ClientContext context;
    grpc_runtime::SetDeadline(context, absl::Seconds(10));
    grpc::Status status = stub_->GetTotals(&context, request, &totals);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return totals;
  }

  SystemClock clock_;
  std::shared_ptr<nexus::testing_support::CaptureSink> sink_ =
      std::make_shared<nexus::testing_support::CaptureSink>();
  log::Logger logger_{"test", log::Level::kDebug, sink_, std::make_shared<log::Redactor>()};
  int port_ = nexus::testing_support::FreePort();
  nexus::testing_support::TempDir stats_dir_;
  nexus::testing_support::TempDir gateway_dir_;
  std::unique_ptr<stats::StatsServer> server_;
  std::shared_ptr<Stats::StubInterface> stub_ = std::shared_ptr<Stats::StubInterface>(
      Stats::NewStub(grpc_runtime::MakeChannel(absl::StrCat("127.0.0.1:", port_))));
};

TEST_F(RealStatsTest, OutageAndRestartOfStatsCountEveryEventExactlyOnce) {
  StartStats();
  StatsUsageReporterOptions options;
  options.linger = absl::Milliseconds(10);
  options.retry_initial = absl::Milliseconds(20);
  options.retry_max = absl::Milliseconds(200);
  auto spool = FileSpool::Open({.directory = gateway_dir_.path() + "/spool"});
  ASSERT_TRUE(spool.ok()) << spool.status();
  StatsUsageReporter reporter(stub_, std::move(*spool), clock_, logger_, options);

  int64_t expected_tokens = 0;
  for (int i = 0; i < 300; ++i) {
    reporter.Record(MakeEvent(absl::StrCat("before-", i), i));
    expected_tokens += 2 * i;
  }
  ASSERT_TRUE(WaitUntil([&] { return reporter.Counters().sent == 300; }));

  StopStats();
  for (int i = 0; i < 300; ++i) {
    reporter.Record(MakeEvent(absl::StrCat("during-", i), i));
    expected_tokens += 2 * i;
  }
  // A retry of an event stats already has (the gateway cannot tell it from a new one).
  reporter.Record(MakeEvent("before-7", 7));
  ASSERT_TRUE(WaitUntil([&] { return reporter.Counters().spooled == 301; }));

  StartStats();
  ASSERT_TRUE(WaitUntil([&] { return reporter.Counters().replayed == 301; }));
  ASSERT_TRUE(WaitUntil([&] { return reporter.Counters().spool_bytes == 0; }));
  reporter.Shutdown(absl::Seconds(5));

  nexus::stats::v1::Totals totals = Totals();
  EXPECT_EQ(totals.requests(), 600);
  EXPECT_EQ(totals.total_tokens(), expected_tokens);
  EXPECT_EQ(reporter.Counters().dropped, 0u);
  EXPECT_EQ(reporter.Counters().rejected, 0u);
  StopStats();
}

TEST_F(RealStatsTest, EventsTheRealStatsRejectsAreDroppedNotRetried) {
  StartStats();
  StatsUsageReporterOptions options;
  options.linger = absl::Milliseconds(10);
  auto spool = FileSpool::Open({.directory = gateway_dir_.path() + "/spool"});
  ASSERT_TRUE(spool.ok());
  StatsUsageReporter reporter(stub_, std::move(*spool), clock_, logger_, options);
  reporter.Record(MakeEvent("good-1", 5));
  UsageEvent bad = MakeEvent("bad-1", 5);
  bad.set_prompt_tokens(-3);
  reporter.Record(bad);
  reporter.Record(MakeEvent("", 5));  // no request id
  reporter.Record(MakeEvent("good-2", 5));
  reporter.Shutdown(absl::Seconds(5));
  EXPECT_EQ(reporter.Counters().rejected, 2u);
  EXPECT_EQ(reporter.Counters().sent, 2u);
  EXPECT_EQ(reporter.Counters().spooled, 0u);
  EXPECT_EQ(Totals().requests(), 2);
  StopStats();
}

}  // namespace
}  // namespace nexus::gateway
