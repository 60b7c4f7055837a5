// The usage reporter driven from many threads against an in-memory stats service (no gRPC):
// Record racing the sender, the spill thread, replay and Shutdown. The invariant throughout: no
// usage event is lost; each one reaches stats or stays in the spool.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/accounting/file_spool.h"
#include "gateway/accounting/stats_usage_reporter.h"
#include "tests/support/capture_sink.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway {
namespace {

using nexus::stats::v1::RecordUsageRequest;
using nexus::stats::v1::RecordUsageResponse;
using nexus::stats::v1::UsageEvent;

// Stats in memory: stores each request id once (as the real service dedupes), and can fail every
// call, hold calls until cancelled or released, or refuse a whole call with an invalid event.
class InMemoryStatsClient : public StatsClient {
 public:
  enum class Mode { kOk, kFail, kStall };

  void SetMode(Mode mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
    changed_.notify_all();
  }
  bool WaitForStalledCalls(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return stalled_ >= count; });
  }
  bool WaitForDistinct(size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60),
                             [&] { return arrivals_.size() >= count; });
  }
  std::set<std::string> stored() const {
    std::lock_guard lock(mutex_);
    std::set<std::string> ids;
    for (const auto& [id, count] : arrivals_) ids.insert(id);
    return ids;
  }
  int cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

  std::unique_ptr<UsageCall> RecordUsage(absl::Duration /*timeout*/) override {
    return std::make_unique<Call>(*this);
  }

 private:
  class Call : public UsageCall {
   public:
    explicit Call(InMemoryStatsClient& stats) : stats_(stats) {}
    absl::StatusOr<RecordUsageResponse> Run(const RecordUsageRequest& request) override {
      return stats_.Serve(request, &cancelled_);
    }
    void Cancel() override {
      std::lock_guard lock(stats_.mutex_);
      cancelled_ = true;
      stats_.changed_.notify_all();
    }

   private:
    InMemoryStatsClient& stats_;
    bool cancelled_ = false;  // guarded by stats_.mutex_
  };

  absl::StatusOr<RecordUsageResponse> Serve(const RecordUsageRequest& request,
                                            const bool* cancelled) {
    std::unique_lock lock(mutex_);
    if (mode_ == Mode::kStall) {
      ++stalled_;
      changed_.notify_all();
      // The deadline is a hang guard: a call the reporter never cancels fails the test.
      if (!changed_.wait_for(lock, std::chrono::seconds(60),
                             [&] { return *cancelled || mode_ != Mode::kStall; })) {
        return absl::DeadlineExceededError("never cancelled");
      }
    }
    if (*cancelled) {
      ++cancelled_;
      return absl::CancelledError("cancelled by the client");
    }
    if (mode_ == Mode::kFail) return absl::UnavailableError("stats down");
    for (const UsageEvent& event : request.events()) {
      if (event.request_id().starts_with("invalid")) {
        return absl::InvalidArgumentError("request_id is invalid");
      }
    }
    for (const UsageEvent& event : request.events()) ++arrivals_[event.request_id()];
    changed_.notify_all();
    return RecordUsageResponse();
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Mode mode_ = Mode::kOk;
  int stalled_ = 0;
  int cancelled_ = 0;
  std::map<std::string, int> arrivals_;
};

// Polls until `done` holds; the deadline only guards against a hang.
bool Eventually(const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (!done()) {
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

UsageEvent MakeEvent(const std::string& id) {
  UsageEvent event;
  event.set_request_id(id);
  event.set_model("gpt-4o");
  event.set_total_tokens(10);
  event.set_http_status(200);
  return event;
}

class ReporterConcurrencyTest : public ::testing::Test {
 protected:
  static constexpr int kThreads = 8;

  StatsUsageReporterOptions FastOptions() {
    StatsUsageReporterOptions options;
    options.max_batch_events = 50;
    options.linger = absl::Milliseconds(2);
    options.retry_initial = absl::Milliseconds(2);
    options.retry_max = absl::Milliseconds(10);
    options.poll_interval = absl::Milliseconds(1);
    options.drop_log_interval = absl::ZeroDuration();
    return options;
  }

  std::unique_ptr<StatsUsageReporter> MakeReporter(StatsUsageReporterOptions options) {
    auto spool = FileSpool::Open({.directory = spool_dir_, .segment_bytes = 4096});
    EXPECT_TRUE(spool.ok()) << spool.status();
    return std::make_unique<StatsUsageReporter>(
        stats_, std::move(*spool), clock_,
        log::Logger("accounting", log::Level::kDebug, log_, std::make_shared<log::Redactor>()),
        options);
  }

  // Records `per_thread` events on each of kThreads threads at once; returns every id.
  static std::set<std::string> RecordFromThreads(StatsUsageReporter& reporter, int per_thread,
                                                 const std::string& prefix) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          reporter.Record(MakeEvent(absl::StrCat(prefix, "-", t, "-", i)));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> ids;
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < per_thread; ++i) ids.insert(absl::StrCat(prefix, "-", t, "-", i));
    }
    return ids;
  }

  // Request ids left in the spool (the reporter must be gone: the spool directory is locked).
  std::set<std::string> Spooled() {
    auto spool = FileSpool::Open({.directory = spool_dir_});
    EXPECT_TRUE(spool.ok()) << spool.status();
    std::set<std::string> ids;
    while (true) {
      auto segment = (*spool)->ReadOldest();
      EXPECT_TRUE(segment.ok()) << segment.status();
      if (!segment.ok() || !segment->has_value()) break;
      for (const UsageEvent& event : (*segment)->events) ids.insert(event.request_id());
      EXPECT_TRUE((*spool)->Remove((*segment)->id).ok());
    }
    return ids;
  }

  std::shared_ptr<InMemoryStatsClient> stats_ = std::make_shared<InMemoryStatsClient>();
  SystemClock clock_;
  std::shared_ptr<testing_support::CaptureSink> log_ =
      std::make_shared<testing_support::CaptureSink>();
  testing_support::TempDir data_dir_;
  std::string spool_dir_ = data_dir_.path() + "/spool";
};

TEST_F(ReporterConcurrencyTest, ConcurrentRecordsAllReachStats) {
  auto reporter = MakeReporter(FastOptions());
  const std::set<std::string> ids = RecordFromThreads(*reporter, 300, "ok");
  reporter->Shutdown(absl::Seconds(60));
  const UsageReporterCounters counters = reporter->Counters();
  EXPECT_EQ(stats_->stored(), ids);
  EXPECT_EQ(counters.queued, ids.size());
  EXPECT_EQ(counters.dropped, 0u);
  reporter.reset();
  // Below the spill threshold and stats never failed: nothing went through the spool.
  EXPECT_TRUE(Spooled().empty());
}

TEST_F(ReporterConcurrencyTest, OutageSpillsToTheSpoolAndReplaysEverything) {
  StatsUsageReporterOptions options = FastOptions();
  options.queue_capacity = 4096;  // room for every event: spilling, not the queue, is under test
  options.spill_threshold = 64;
  stats_->SetMode(InMemoryStatsClient::Mode::kFail);
  auto reporter = MakeReporter(options);
  std::set<std::string> ids = RecordFromThreads(*reporter, 200, "down");
  ASSERT_TRUE(Eventually([&] { return reporter->Counters().spooled > 0; }));
  stats_->SetMode(InMemoryStatsClient::Mode::kOk);
  // More events while the replay runs.
  const std::set<std::string> more = RecordFromThreads(*reporter, 50, "back");
  ids.insert(more.begin(), more.end());
  ASSERT_TRUE(stats_->WaitForDistinct(ids.size()))
      << stats_->stored().size() << " of " << ids.size();
  reporter->Shutdown(absl::Seconds(60));
  const UsageReporterCounters counters = reporter->Counters();
  EXPECT_EQ(stats_->stored(), ids);
  EXPECT_GT(counters.spooled, 0u);
  EXPECT_EQ(counters.dropped, 0u);
  EXPECT_TRUE(counters.stats_reachable);
  reporter.reset();
  EXPECT_TRUE(Spooled().empty());
}

TEST_F(ReporterConcurrencyTest, ShutdownRacingRecordsLosesNothing) {
  auto reporter = MakeReporter(FastOptions());
  std::atomic<int> recorded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        reporter->Record(MakeEvent(absl::StrCat("race-", t, "-", i)));
        ++recorded;
      }
    });
  }
  while (recorded < kThreads * 20) std::this_thread::yield();
  stats_->SetMode(InMemoryStatsClient::Mode::kFail);  // what is left must be spooled
  reporter->Shutdown(absl::Seconds(60));
  for (auto& thread : threads) thread.join();  // late records go straight to the spool
  EXPECT_EQ(reporter->Counters().dropped, 0u);
  reporter.reset();
  std::set<std::string> accounted = stats_->stored();
  const std::set<std::string> spooled = Spooled();
  accounted.insert(spooled.begin(), spooled.end());
  EXPECT_EQ(accounted.size(), static_cast<size_t>(kThreads * 150));
}

TEST_F(ReporterConcurrencyTest, ShutdownCancelsAStalledCallAndSpoolsItsEvents) {
  stats_->SetMode(InMemoryStatsClient::Mode::kStall);
  auto reporter = MakeReporter(FastOptions());
  const std::set<std::string> ids = RecordFromThreads(*reporter, 5, "stall");
  ASSERT_TRUE(stats_->WaitForStalledCalls(1));
  // The deadline is what makes Shutdown cancel the call; its length is not under test.
  reporter->Shutdown(absl::Milliseconds(100));
  EXPECT_EQ(stats_->cancelled(), 1);
  EXPECT_TRUE(stats_->stored().empty());
  reporter.reset();
  EXPECT_EQ(Spooled(), ids);
}

TEST_F(ReporterConcurrencyTest, InvalidEventsAreDroppedAndTheRestDelivered) {
  auto reporter = MakeReporter(FastOptions());
  std::set<std::string> good = RecordFromThreads(*reporter, 100, "good");
  const std::set<std::string> bad = RecordFromThreads(*reporter, 3, "invalid");
  const std::set<std::string> later = RecordFromThreads(*reporter, 100, "later");
  good.insert(later.begin(), later.end());
  reporter->Shutdown(absl::Seconds(60));
  EXPECT_EQ(stats_->stored(), good);
  EXPECT_EQ(reporter->Counters().rejected, bad.size());
  EXPECT_EQ(reporter->Counters().dropped, 0u);
}

}  // namespace
}  // namespace nexus::gateway
