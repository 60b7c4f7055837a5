#include "gateway/accounting/stats_usage_reporter.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gateway/accounting/file_spool.h"
#include "gateway/accounting/reporter_metrics.h"
#include "services/grpc/server_runner.h"
#include "tests/gateway/accounting/test_stats_service.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway {
namespace {

using accounting_testing::TestStatsService;
using nexus::stats::v1::Stats;
using nexus::stats::v1::UsageEvent;
using ::testing::HasSubstr;
using Mode = TestStatsService::Mode;

UsageEvent MakeEvent(const std::string& id, int64_t tokens = 10) {
  UsageEvent event;
  event.set_request_id(id);
  event.set_model("gpt-4o");
  event.set_prompt_tokens(tokens / 2);
  event.set_completion_tokens(tokens - tokens / 2);
  event.set_total_tokens(tokens);
  event.set_http_status(200);
  return event;
}

// Polls until `done` holds; tests never assert on durations, they only bound the wait.
bool WaitUntil(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(30)) {
  absl::Time give_up = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool HasLine(const nexus::testing_support::CaptureSink& sink, std::string_view text) {
  for (const auto& line : sink.lines()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Describe(const StatsUsageReporter& reporter) {
  UsageReporterCounters c = reporter.Counters();
  return absl::StrCat("queued=", c.queued, " sent=", c.sent, " spooled=", c.spooled,
                      " replayed=", c.replayed, " dropped=", c.dropped, " rejected=", c.rejected,
                      " queue_depth=", c.queue_depth, " spool_bytes=", c.spool_bytes,
                      " reachable=", c.stats_reachable);
}

class StatsUsageReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc_runtime::ServerOptions server_options;
    server_options.listen_address = "127.0.0.1:0";
    auto runner = grpc_runtime::ServerRunner::Start(server_options, {&service_});
    ASSERT_TRUE(runner.ok()) << runner.status();
    runner_ = std::move(*runner);
    live_stub_ = Connect(runner_->port());
  }
  void TearDown() override { runner_->Shutdown(absl::Seconds(1)); }

  static std::shared_ptr<Stats::StubInterface> Connect(int port) {
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    return std::shared_ptr<Stats::StubInterface>(Stats::NewStub(channel));
  }

  StatsUsageReporterOptions FastOptions() {
    StatsUsageReporterOptions options;
    options.linger = absl::Milliseconds(5);
    options.retry_initial = absl::Milliseconds(5);
    options.retry_max = absl::Milliseconds(40);
    options.poll_interval = absl::Milliseconds(2);
    options.drop_log_interval = absl::ZeroDuration();
    // Generous, so that a slow machine does not turn a healthy call into a spooled one.
    options.rpc_timeout = absl::Seconds(30);
    return options;
  }

  std::unique_ptr<FileSpool> OpenSpool(uint64_t max_bytes = 64 << 20) {
    auto spool = FileSpool::Open({.directory = spool_dir_, .max_bytes = max_bytes});
    EXPECT_TRUE(spool.ok()) << spool.status();
    return std::move(*spool);
  }

  std::unique_ptr<StatsUsageReporter> MakeReporter(
      StatsUsageReporterOptions options, std::shared_ptr<Stats::StubInterface> stub = nullptr,
      const Clock* clock = nullptr, uint64_t spool_max_bytes = 64 << 20) {
    return std::make_unique<StatsUsageReporter>(stub ? stub : live_stub_,
                                                OpenSpool(spool_max_bytes),
                                                clock ? *clock : system_clock_, Logger(), options);
  }

  log::Logger Logger() {
    return log::Logger("accounting", log::Level::kDebug, log_, std::make_shared<log::Redactor>());
  }

  size_t SegmentFiles() const {
    size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(spool_dir_)) {
      n += entry.path().extension() == ".spool";
    }
    return n;
  }

  TestStatsService service_;
  std::unique_ptr<grpc_runtime::ServerRunner> runner_;
  std::shared_ptr<Stats::StubInterface> live_stub_;
  SystemClock system_clock_;
  std::shared_ptr<nexus::testing_support::CaptureSink> log_ =
      std::make_shared<nexus::testing_support::CaptureSink>();
  nexus::testing_support::TempDir data_dir_;
  std::string spool_dir_ = data_dir_.path() + "/spool";
};

TEST_F(StatsUsageReporterTest, SendsFullBatchesAtOnceAndTheRestAfterTheLinger) {
  nexus::testing_support::FakeClock clock;
  StatsUsageReporterOptions options = FastOptions();
  options.max_batch_events = 500;
  options.linger = absl::Milliseconds(200);
  auto reporter = MakeReporter(options, nullptr, &clock);
  for (int i = 0; i < 1200; ++i) reporter->Record(MakeEvent(absl::StrCat("r", i)));

  ASSERT_TRUE(WaitUntil([&] { return service_.distinct() == 1000; }));
  // The clock has not moved: the last 200 wait for their linger however long we look.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(service_.distinct(), 1000u);
  EXPECT_EQ(reporter->Counters().queue_depth, 200u);

  clock.Advance(absl::Milliseconds(200));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().sent == 1200; })) << Describe(*reporter);
  EXPECT_EQ(service_.distinct(), 1200u);
  EXPECT_EQ(service_.batch_sizes(), (std::vector<int>{500, 500, 200}));
  UsageReporterCounters counters = reporter->Counters();
  EXPECT_EQ(counters.queued, 1200u);
  EXPECT_EQ(counters.sent, 1200u);
  EXPECT_EQ(counters.spooled, 0u);
  EXPECT_EQ(counters.queue_depth, 0u);
}

TEST_F(StatsUsageReporterTest, DeliversEveryEventOnceWhenStatsIsHealthy) {
  auto reporter = MakeReporter(FastOptions());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) reporter->Record(MakeEvent(absl::StrCat("t", t, "-", i), 3));
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(WaitUntil([&] { return service_.distinct() == 2000; }));
  reporter->Shutdown(absl::Seconds(5));
  EXPECT_EQ(service_.duplicates(), 0u);
  EXPECT_EQ(service_.total_tokens(), 6000);
  EXPECT_EQ(reporter->Counters().sent, 2000u);
  EXPECT_EQ(reporter->Counters().dropped, 0u);
  EXPECT_EQ(SegmentFiles(), 0u);
}

TEST_F(StatsUsageReporterTest, OutageSpoolsThenReplaysEveryEventExactlyOnce) {
  service_.SetMode(Mode::kFail);
  auto reporter = MakeReporter(FastOptions());
  for (int i = 0; i < 1000; ++i) {
    reporter->Record(MakeEvent(absl::StrCat("o", i), 7));
    if (i % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().spooled == 1000; }))
      << reporter->Counters().spooled;
  EXPECT_EQ(service_.distinct(), 0u);
  EXPECT_GT(reporter->Counters().spool_bytes, 0u);
  EXPECT_FALSE(reporter->Counters().stats_reachable);
  EXPECT_TRUE(HasLine(*log_, "stats unreachable"));

  service_.SetMode(Mode::kOk);
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().replayed == 1000; }))
      << reporter->Counters().replayed;
  EXPECT_EQ(service_.distinct(), 1000u);
  EXPECT_EQ(service_.duplicates(), 0u);
  EXPECT_EQ(service_.total_tokens(), 7000);
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().spool_bytes == 0; }));
  EXPECT_EQ(SegmentFiles(), 0u);
  EXPECT_TRUE(reporter->Counters().stats_reachable);
  EXPECT_TRUE(HasLine(*log_, "stats answers again"));
  EXPECT_EQ(reporter->Counters().dropped, 0u);
}

TEST_F(StatsUsageReporterTest, LostAnswersAreResentAndCountedOnceByStats) {
  service_.SetMode(Mode::kCommitThenFail);
  auto reporter = MakeReporter(FastOptions());
  for (int i = 0; i < 300; ++i) reporter->Record(MakeEvent(absl::StrCat("l", i), 5));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().spooled == 300; }));
  service_.SetMode(Mode::kOk);
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().spool_bytes == 0; }));

  EXPECT_EQ(service_.distinct(), 300u);
  EXPECT_EQ(service_.total_tokens(), 1500);  // counted once each
  size_t arrivals = 0;
  for (const auto& [id, n] : service_.arrivals()) arrivals += n;
  EXPECT_EQ(service_.duplicates(), arrivals - 300);
  EXPECT_GE(service_.duplicates(), 1u);  // the first batch at least was sent twice
}

TEST_F(StatsUsageReporterTest, UnreachableStatsThenRestartReplaysThePreviousSpool) {
  {
    auto dead_stub = Connect(nexus::testing_support::FreePort());
    auto reporter = MakeReporter(FastOptions(), dead_stub);
    for (int i = 0; i < 100; ++i) reporter->Record(MakeEvent(absl::StrCat("u", i)));
    reporter->Shutdown(absl::Seconds(1));
    EXPECT_EQ(reporter->Counters().spooled, 100u);
    EXPECT_EQ(reporter->Counters().sent, 0u);
  }
  EXPECT_GT(SegmentFiles(), 0u);

  auto reporter = MakeReporter(FastOptions());
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().replayed == 100; }));
  ASSERT_TRUE(WaitUntil([&] { return SegmentFiles() == 0; }));
  EXPECT_EQ(service_.distinct(), 100u);
  EXPECT_EQ(service_.duplicates(), 0u);
}

TEST_F(StatsUsageReporterTest, TornRecordAtTheSpoolTailIsSkippedOnReplay) {
  {
    auto spool = OpenSpool();
    std::vector<UsageEvent> events;
    for (int i = 0; i < 10; ++i) events.push_back(MakeEvent(absl::StrCat("t", i)));
    ASSERT_EQ(spool->Append(events).value(), 10u);
  }
  std::filesystem::path segment;
  for (const auto& entry : std::filesystem::directory_iterator(spool_dir_)) segment = entry.path();
  // What a crash in the middle of the next append leaves behind: a header and half a payload.
  std::ofstream(segment, std::ios::binary | std::ios::app)
      << std::string("\x40\x00\x00\x00\x12\x34\x56\x78partial", 15);

  auto reporter = MakeReporter(FastOptions());
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().replayed == 10; }));
  ASSERT_TRUE(WaitUntil([&] { return SegmentFiles() == 0; }));
  EXPECT_EQ(reporter->Counters().corrupt_records, 1u);
  EXPECT_EQ(service_.distinct(), 10u);
  EXPECT_TRUE(HasLine(*log_, "corrupt record"));
}

TEST_F(StatsUsageReporterTest, FullSpoolDropsAreCountedAndLoggedLoudly) {
  service_.SetMode(Mode::kFail);
  auto reporter = MakeReporter(FastOptions(), nullptr, nullptr, /*spool_max_bytes=*/2000);
  for (int i = 0; i < 200; ++i) reporter->Record(MakeEvent(absl::StrCat("f", i)));
  ASSERT_TRUE(WaitUntil([&] {
    auto c = reporter->Counters();
    return c.spooled + c.dropped == 200;
  }));
  UsageReporterCounters counters = reporter->Counters();
  EXPECT_GT(counters.spooled, 0u);
  EXPECT_GT(counters.dropped, 0u);
  EXPECT_LE(counters.spool_bytes, 2000u);
  reporter->Shutdown(absl::Seconds(1));
  EXPECT_TRUE(HasLine(*log_, "LOST"));

  // Whatever was spooled still arrives.
  reporter.reset();  // releases the spool directory
  service_.SetMode(Mode::kOk);
  auto next = MakeReporter(FastOptions());
  ASSERT_TRUE(WaitUntil([&] { return SegmentFiles() == 0; }));
  EXPECT_EQ(service_.distinct(), counters.spooled);
}

// A spool on a full disk: every append fails, as a write does with ENOSPC or EFBIG.
class FailingSpool : public Spool {
 public:
  absl::StatusOr<size_t> Append(std::span<const UsageEvent> events) override {
    if (++appends_ > fail_first_.load()) return events.size();
    return absl::InternalError("write segment-1.spool: No space left on device");
  }
  absl::StatusOr<std::optional<SpoolSegment>> ReadOldest() override {
    return std::optional<SpoolSegment>();
  }
  absl::Status Remove(uint64_t) override { return absl::OkStatus(); }
  uint64_t SizeBytes() const override { return 0; }
  bool Empty() const override { return true; }

  std::atomic<int> appends_{0};
  std::atomic<int> fail_first_{1 << 30};
};

TEST_F(StatsUsageReporterTest, FailingSpoolWritesAreCountedAndLoggedOncePerInterval) {
  service_.SetMode(Mode::kFail);
  StatsUsageReporterOptions options = FastOptions();
  options.max_batch_events = 1;
  options.drop_log_interval = absl::Hours(1);
  auto spool = std::make_unique<FailingSpool>();
  FailingSpool* failing = spool.get();
  auto reporter = std::make_unique<StatsUsageReporter>(live_stub_, std::move(spool), system_clock_,
                                                       Logger(), options);
  metrics::MetricsRegistry registry;
  ASSERT_TRUE(RegisterUsageReporterMetrics(*reporter, registry).ok());
  for (int i = 0; i < 20; ++i) reporter->Record(MakeEvent(absl::StrCat("d", i)));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().dropped == 20; })) << Describe(*reporter);
  UsageReporterCounters counters = reporter->Counters();
  EXPECT_EQ(counters.spooled, 0u);
  EXPECT_EQ(counters.spool_errors, static_cast<uint64_t>(failing->appends_.load()));
  EXPECT_GE(counters.spool_errors, 2u);
  EXPECT_THAT(registry.Render(),
              HasSubstr(absl::StrCat("nexus_usage_spool_errors_total ", counters.spool_errors)));
  size_t error_lines = 0;
  for (const auto& line : log_->lines()) {
    error_lines += line.find("usage spool write failed") != std::string::npos;
  }
  // One line for the first failure; the rest fall inside the interval.
  EXPECT_EQ(error_lines, 1u);
  EXPECT_TRUE(HasLine(*log_, "No space left on device"));

  // The disk has room again: said once, and events are kept again.
  failing->fail_first_.store(failing->appends_.load());
  reporter->Record(MakeEvent("after"));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().spooled == 1; })) << Describe(*reporter);
  EXPECT_TRUE(HasLine(*log_, "usage spool writes succeed again"));
  reporter->Shutdown(absl::Seconds(1));
}

TEST_F(StatsUsageReporterTest, ShutdownFlushesTheQueueToStats) {
  nexus::testing_support::FakeClock clock;  // never moves: only Shutdown can send these
  StatsUsageReporterOptions options = FastOptions();
  options.linger = absl::Hours(1);
  auto reporter = MakeReporter(options, nullptr, &clock);
  for (int i = 0; i < 50; ++i) reporter->Record(MakeEvent(absl::StrCat("s", i)));
  EXPECT_EQ(service_.distinct(), 0u);
  reporter->Shutdown(absl::Seconds(10));
  EXPECT_EQ(service_.distinct(), 50u);
  EXPECT_EQ(reporter->Counters().sent, 50u);
  EXPECT_EQ(reporter->Counters().spooled, 0u);
  EXPECT_EQ(SegmentFiles(), 0u);
}

TEST_F(StatsUsageReporterTest, ShutdownSpoolsWhatStatsCannotTakeBeforeTheDeadline) {
  service_.SetMode(Mode::kStall);
  nexus::testing_support::FakeClock clock;
  StatsUsageReporterOptions options = FastOptions();
  options.linger = absl::Hours(1);
  {
    auto reporter = MakeReporter(options, nullptr, &clock);
    for (int i = 0; i < 50; ++i) reporter->Record(MakeEvent(absl::StrCat("d", i)));
    reporter->Shutdown(absl::Milliseconds(300));
    EXPECT_EQ(reporter->Counters().spooled, 50u);
    // Records after shutdown are not lost either.
    reporter->Record(MakeEvent("late"));
    EXPECT_EQ(reporter->Counters().spooled, 51u);
  }
  service_.SetMode(Mode::kOk);
  auto reporter = MakeReporter(FastOptions());
  ASSERT_TRUE(WaitUntil([&] { return SegmentFiles() == 0; }));
  EXPECT_EQ(service_.distinct(), 51u);
  EXPECT_EQ(service_.duplicates(), 0u);
}

TEST_F(StatsUsageReporterTest, ShutdownCancelsACallInFlightAtTheDeadline) {
  service_.SetMode(Mode::kStall);
  StatsUsageReporterOptions options = FastOptions();
  options.rpc_timeout = absl::Hours(1);  // without the cancel, Shutdown would wait for this
  auto reporter = MakeReporter(options);
  for (int i = 0; i < 20; ++i) reporter->Record(MakeEvent(absl::StrCat("i", i)));
  ASSERT_TRUE(WaitUntil([&] { return service_.stalled_calls() == 1; }));
  reporter->Shutdown(absl::Milliseconds(100));
  EXPECT_EQ(reporter->Counters().spooled, 20u);
  EXPECT_EQ(reporter->Counters().sent, 0u);
  ASSERT_TRUE(WaitUntil([&] { return service_.stalled_calls() == 0; }));
  EXPECT_EQ(service_.distinct(), 0u);
}

TEST_F(StatsUsageReporterTest, SlowStatsSpillsTheQueueToTheSpoolInsteadOfDropping) {
  service_.SetMode(Mode::kStall);
  StatsUsageReporterOptions options = FastOptions();
  options.queue_capacity = 64;
  options.spill_threshold = 32;
  options.max_batch_events = 16;
  options.rpc_timeout = absl::Seconds(60);
  auto reporter = MakeReporter(options);
  for (int chunk = 0; chunk < 40; ++chunk) {
    for (int i = 0; i < 16; ++i) reporter->Record(MakeEvent(absl::StrCat("c", chunk, "-", i)));
    ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().queue_depth < 32; }));
  }
  EXPECT_EQ(reporter->Counters().dropped, 0u);
  EXPECT_GT(reporter->Counters().spooled, 0u);
  EXPECT_EQ(service_.distinct(), 0u);

  service_.SetMode(Mode::kOk);
  ASSERT_TRUE(WaitUntil([&] { return service_.distinct() == 640; })) << service_.distinct();
  ASSERT_TRUE(WaitUntil([&] { return SegmentFiles() == 0; }));
  EXPECT_EQ(service_.duplicates(), 0u);
  EXPECT_EQ(reporter->Counters().dropped, 0u);
}

TEST_F(StatsUsageReporterTest, FlappingStatsUnderConcurrentLoadLosesNothing) {
  StatsUsageReporterOptions options = FastOptions();
  options.max_batch_events = 50;
  options.spill_threshold = 200;  // spill often too
  auto reporter = MakeReporter(options);
  std::atomic<bool> recording{true};
  std::thread flapper([&] {
    const Mode modes[] = {Mode::kFail, Mode::kOk, Mode::kCommitThenFail, Mode::kOk, Mode::kStall};
    for (int i = 0; recording.load(); ++i) {
      service_.SetMode(modes[i % 5]);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    service_.SetMode(Mode::kOk);
  });
  std::vector<std::thread> producers;
  for (int t = 0; t < 3; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        reporter->Record(MakeEvent(absl::StrCat("p", t, "-", i), 1));
        if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  for (auto& producer : producers) producer.join();
  recording = false;
  flapper.join();
  ASSERT_TRUE(WaitUntil([&] {
    auto c = reporter->Counters();
    return c.queue_depth == 0 && c.spool_bytes == 0 && service_.distinct() == 6000;
  })) << Describe(*reporter);
  EXPECT_EQ(service_.total_tokens(), 6000);
  EXPECT_EQ(reporter->Counters().dropped, 0u);
  EXPECT_EQ(reporter->Counters().queued, 6000u);
  std::map<std::string, int> arrivals = service_.arrivals();
  EXPECT_EQ(arrivals.size(), 6000u);
}

TEST_F(StatsUsageReporterTest, RejectedEventsAreLoggedAndNotRetried) {
  auto reporter = MakeReporter(FastOptions());
  for (int i = 0; i < 10; ++i) reporter->Record(MakeEvent(absl::StrCat("g", i)));
  reporter->Record(MakeEvent("invalid-1"));
  reporter->Record(MakeEvent("invalid-2"));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().rejected == 2; }));
  reporter->Shutdown(absl::Seconds(5));
  EXPECT_EQ(service_.distinct(), 10u);
  EXPECT_EQ(reporter->Counters().sent, 10u);
  EXPECT_EQ(reporter->Counters().spooled, 0u);
  EXPECT_TRUE(HasLine(*log_, "invalid-1: prompt_tokens must not be negative"));
}

TEST_F(StatsUsageReporterTest, WholeCallInvalidArgumentIsNarrowedDownToTheBadEvent) {
  service_.RejectInvalidWholeCall(true);
  nexus::testing_support::FakeClock clock;
  StatsUsageReporterOptions options = FastOptions();
  options.max_batch_events = 8;
  auto reporter = MakeReporter(options, nullptr, &clock);
  for (int i = 0; i < 7; ++i) reporter->Record(MakeEvent(absl::StrCat("w", i)));
  reporter->Record(MakeEvent("invalid-x"));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().rejected == 1; }));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().sent == 7; }));
  EXPECT_EQ(service_.distinct(), 7u);
  EXPECT_EQ(reporter->Counters().spooled, 0u);
  EXPECT_TRUE(HasLine(*log_, "invalid-x"));
}

TEST_F(StatsUsageReporterTest, CountersAreExposedAsMetrics) {
  auto reporter = MakeReporter(FastOptions());
  metrics::MetricsRegistry registry;
  ASSERT_TRUE(RegisterUsageReporterMetrics(*reporter, registry).ok());
  for (int i = 0; i < 5; ++i) reporter->Record(MakeEvent(absl::StrCat("m", i)));
  ASSERT_TRUE(WaitUntil([&] { return reporter->Counters().sent == 5; }));
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE nexus_usage_events_sent_total counter\n"
                              "nexus_usage_events_sent_total 5\n"));
  EXPECT_THAT(text, HasSubstr("nexus_usage_events_queued_total 5\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE nexus_usage_queue_depth gauge\nnexus_usage_queue_depth 0\n"));
  EXPECT_THAT(text, HasSubstr("nexus_usage_spool_bytes 0\n"));
  EXPECT_THAT(text, HasSubstr("nexus_usage_events_dropped_total 0\n"));
  EXPECT_THAT(text, HasSubstr("nexus_usage_stats_reachable 1\n"));
  // Registering twice is refused, not duplicated.
  EXPECT_FALSE(RegisterUsageReporterMetrics(*reporter, registry).ok());
}

}  // namespace
}  // namespace nexus::gateway
