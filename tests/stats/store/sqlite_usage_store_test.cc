#include "stats/store/sqlite_usage_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "stats/store/usage_schema.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::stats {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000 / kDayMs * kDayMs;  // midnight UTC

UsageEvent Event(std::string id, int64_t t, std::string conversation = "", int64_t prompt = 10,
                 int64_t completion = 5) {
  UsageEvent e;
  e.request_id = std::move(id);
  e.timestamp_ms = t;
  e.provider_id = 1;
  e.key_id = 7;
  e.model = "m1";
  e.conversation_id = std::move(conversation);
  e.prompt_tokens = prompt;
  e.completion_tokens = completion;
  e.total_tokens = prompt + completion;
  e.http_status = 200;
  e.latency_ms = 120;
  return e;
}

class SqliteUsageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteUsageStore::Open(dir_.path() + "/stats.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  Metrics SumAll(int64_t start = kT0 - kDayMs, int64_t end = kT0 + 10 * kDayMs) {
    auto rows = store_->Sum({.start_ms = start, .end_ms = end}, GroupBy::kNone);
    EXPECT_TRUE(rows.ok()) << rows.status();
    Metrics m;
    for (const BreakdownRow& row : *rows) m.Add(row.metrics);
    return m;
  }

  testing_support::TempDir dir_;
  std::unique_ptr<SqliteUsageStore> store_;
};

TEST_F(SqliteUsageStoreTest, CountsEachRequestIdOnce) {
  std::vector<UsageEvent> batch = {Event("a", kT0 + 1), Event("b", kT0 + 2), Event("a", kT0 + 3)};
  auto stored = store_->Insert(batch);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, (std::vector<bool>{true, true, false}));
  auto again = store_->Insert(batch);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, (std::vector<bool>{false, false, false}));
  Metrics m = SumAll();
  EXPECT_EQ(m.requests, 2);
  EXPECT_EQ(m.total_tokens, 30);
}

TEST_F(SqliteUsageStoreTest, HalfOpenRangesSplitAtTheBoundary) {
  ASSERT_TRUE(
      store_->Insert(std::vector{Event("a", kT0 + kHourMs - 1), Event("b", kT0 + kHourMs)}).ok());
  EXPECT_EQ(SumAll(kT0, kT0 + kHourMs).requests, 1);
  EXPECT_EQ(SumAll(kT0 + kHourMs, kT0 + 2 * kHourMs).requests, 1);
  EXPECT_EQ(SumAll(kT0 + kHourMs - 1, kT0 + kHourMs).requests, 1);
  EXPECT_EQ(SumAll(kT0 + 5, kT0 + 5).requests, 0);
}

TEST_F(SqliteUsageStoreTest, ConversationsCountedAtTheirFirstRequestEvenWhenItArrivesLate) {
  ASSERT_TRUE(
      store_
          ->Insert(std::vector{Event("r2", kT0 + kDayMs, "c1"), Event("r3", kT0 + kDayMs + 5, "c1"),
                               Event("x", kT0 + kDayMs, "")})
          .ok());
  EXPECT_EQ(SumAll(kT0 + kDayMs, kT0 + 2 * kDayMs).new_conversations, 1);
  // The conversation's real first request arrives a day late: the count moves to its day.
  ASSERT_TRUE(store_->Insert(std::vector{Event("r1", kT0 + 10, "c1")}).ok());
  EXPECT_EQ(SumAll(kT0, kT0 + kDayMs).new_conversations, 1);
  EXPECT_EQ(SumAll(kT0 + kDayMs, kT0 + 2 * kDayMs).new_conversations, 0);
  Metrics all = SumAll();
  EXPECT_EQ(all.new_conversations, 1);
  EXPECT_EQ(all.rounds, 3);
  EXPECT_EQ(all.requests, 4);
}

TEST_F(SqliteUsageStoreTest, SeriesBucketsAndGroups) {
  UsageEvent other = Event("c", kT0 + kHourMs + 30, "", 100, 0);
  other.model = "m2";
  ASSERT_TRUE(
      store_->Insert(std::vector{Event("a", kT0 + 10), Event("b", kT0 + kHourMs + 20), other})
          .ok());
  auto series = store_->TimeSeries({.filter = {.start_ms = kT0, .end_ms = kT0 + kDayMs},
                                    .bucket = Bucket::kHour,
                                    .group_by = GroupBy::kModel});
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].group, "m1");
  ASSERT_EQ((*series)[0].points.size(), 2u);
  EXPECT_EQ((*series)[0].points[0].bucket_start_ms, kT0);
  EXPECT_EQ((*series)[0].points[1].bucket_start_ms, kT0 + kHourMs);
  EXPECT_EQ((*series)[1].group, "m2");
  EXPECT_EQ((*series)[1].points[0].metrics.prompt_tokens, 100);
}

TEST_F(SqliteUsageStoreTest, ListsRequestsNewestFirstAcrossPages) {
  std::vector<UsageEvent> batch;
  for (int i = 0; i < 25; ++i) batch.push_back(Event("r" + std::to_string(i), kT0 + i % 10));
  ASSERT_TRUE(store_->Insert(batch).ok());
  std::vector<std::string> seen;
  RequestsQuery query{.filter = {.start_ms = kT0, .end_ms = kT0 + kDayMs}, .page_size = 7};
  int64_t last_ts = INT64_MAX;
  do {
    auto page = store_->ListRequests(query);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const UsageEvent& e : page->events) {
      EXPECT_LE(e.timestamp_ms, last_ts);
      last_ts = e.timestamp_ms;
      seen.push_back(e.request_id);
    }
    query.page_token = page->next_page_token;
  } while (!query.page_token.empty());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.size(), 25u);
  query.page_token = "garbage";
  EXPECT_EQ(store_->ListRequests(query).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteUsageStoreTest, PruningDeletesOldRawRowsButKeepsRollups) {
  ASSERT_TRUE(store_
                  ->Insert(std::vector{Event("old1", kT0 + 1), Event("old2", kT0 + 2),
                                       Event("new", kT0 + kDayMs)})
                  .ok());
  // Rows not folded into the rollups yet stay: a crash now would need them to rebuild them.
  EXPECT_EQ(*store_->PruneLog(kT0 + kHourMs, 100), 0);
  ASSERT_TRUE(store_->FoldRollups().ok());
  auto deleted = store_->PruneLog(kT0 + kHourMs, 1);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(*store_->PruneLog(kT0 + kHourMs, 100), 1);
  EXPECT_EQ(*store_->PruneLog(kT0 + kHourMs, 100), 0);
  EXPECT_EQ(SumAll().requests, 3);
  auto page = store_->ListRequests({.filter = {.start_ms = 0, .end_ms = kT0 + 2 * kDayMs}});
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].request_id, "new");
}

TEST_F(SqliteUsageStoreTest, ConcurrentWritersShareCommitsWithoutLosingOrDoublingEvents) {
  constexpr int kThreads = 4, kBatches = 25, kPerBatch = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<UsageEvent> batch;
        // Every thread sends the same ids as its neighbour half of the time.
        for (int i = 0; i < kPerBatch; ++i) {
          int owner = (b % 2 == 0) ? t : t / 2 * 2;
          batch.push_back(Event(absl::StrCat(owner, "-", b, "-", i), kT0 + b * 1000 + i));
        }
        ASSERT_TRUE(store_->Insert(batch).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Even batches: 4 distinct owners; odd batches: owners 0 and 2 only.
  EXPECT_EQ(SumAll().requests, (13 * 4 + 12 * 2) * kPerBatch);
}

int64_t CountRows(const std::string& path, const std::string& table) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet(absl::StrCat("SELECT COALESCE(SUM(requests), 0) FROM ", table)).getInt64();
}

TEST_F(SqliteUsageStoreTest, FoldsFinishedMinutesIntoHoursAndDaysAndAnswersExactlyMeanwhile) {
  testing_support::FakeClock clock(absl::FromUnixMillis(kT0 + 10 * kMinuteMs + 5));
  store_.reset();
  auto clocked = SqliteUsageStore::Open(dir_.path() + "/stats.db", {.clock = &clock});
  ASSERT_TRUE(clocked.ok()) << clocked.status();
  store_ = std::move(*clocked);
  const std::string path = dir_.path() + "/stats.db";
  ASSERT_TRUE(store_
                  ->Insert(std::vector{Event("a", kT0 + 9 * kMinuteMs + 1),
                                       Event("b", kT0 + 10 * kMinuteMs + 2)})
                  .ok());
  // Not folded yet: only the raw log has them, and queries read them from there.
  EXPECT_EQ(CountRows(path, "rollup_minute"), 0);
  EXPECT_EQ(SumAll(kT0, kT0 + kDayMs).requests, 2);
  EXPECT_EQ(SumAll(kT0 + 10 * kMinuteMs, kT0 + 11 * kMinuteMs).requests, 1);
  // Minutes 9 and 10 are not over long enough: only the minute rollups have them.
  ASSERT_TRUE(store_->FoldRollups().ok());
  EXPECT_EQ(CountRows(path, "rollup_minute"), 2);
  EXPECT_EQ(CountRows(path, "rollup_hour"), 0);
  EXPECT_EQ(CountRows(path, "rollup_day_key"), 0);
  // Queries still see them, whatever levels the range would use.
  EXPECT_EQ(SumAll().requests, 2);
  EXPECT_EQ(SumAll(kT0, kT0 + kDayMs).requests, 2);
  auto by_key = store_->Sum({.start_ms = kT0, .end_ms = kT0 + kDayMs}, GroupBy::kKey);
  ASSERT_TRUE(by_key.ok());
  ASSERT_EQ(by_key->size(), 1u);
  EXPECT_EQ((*by_key)[0].metrics.requests, 2);
  auto hours = store_->TimeSeries(
      {.filter = {.start_ms = kT0, .end_ms = kT0 + kDayMs}, .bucket = Bucket::kHour});
  ASSERT_TRUE(hours.ok());
  ASSERT_EQ(hours->size(), 1u);
  ASSERT_EQ((*hours)[0].points.size(), 1u);
  EXPECT_EQ((*hours)[0].points[0].metrics.requests, 2);

  // Two minutes later the next commit (the last fold is older than a second) folds both
  // minutes into every hour and day rollup.
  clock.Advance(absl::Minutes(2));
  ASSERT_TRUE(store_->Insert(std::vector{Event("c", kT0 + 12 * kMinuteMs)}).ok());
  EXPECT_EQ(CountRows(path, "rollup_hour"), 2);
  EXPECT_EQ(CountRows(path, "rollup_day"), 2);
  EXPECT_EQ(CountRows(path, "rollup_day_key"), 2);
  EXPECT_EQ(CountRows(path, "rollup_hour_all"), 2);
  EXPECT_EQ(SumAll(kT0, kT0 + kDayMs).requests, 3);
  // A late event before the minute mark goes into every level at once.
  ASSERT_TRUE(store_->Insert(std::vector{Event("late", kT0 + 1)}).ok());
  EXPECT_EQ(SumAll(kT0, kT0 + kDayMs).requests, 4);
  ASSERT_TRUE(store_->FoldRollups().ok());
  EXPECT_EQ(CountRows(path, "rollup_day_model"), 3);
  EXPECT_EQ(SumAll(kT0, kT0 + kDayMs).requests, 4);
  EXPECT_EQ(SumAll(kT0, kT0 + kMinuteMs).requests, 1);
  // The store's writer thread reads `clock` until it stops (its last idle fold runs on shutdown):
  // close the store before `clock` goes out of scope.
  store_.reset();
}

TEST_F(SqliteUsageStoreTest, FoldsByItselfWhenIdleAndAtClose) {
  const std::string path = dir_.path() + "/stats.db";
  ASSERT_TRUE(store_->Insert(std::vector{Event("a", kT0 + 1), Event("b", kT0 + 2)}).ok());
  // The default idle delay is 200 ms; waiting is bounded only against hangs.
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (CountRows(path, "rollup_minute_all") < 2) {
    ASSERT_LT(absl::Now(), deadline) << "never folded";
    absl::SleepFor(absl::Milliseconds(5));
  }
  // Closing folds what is left, even with no idle spell.
  store_.reset();
  auto never_idle =
      SqliteUsageStore::Open(path, {.fold = {.idle_delay = absl::InfiniteDuration()}});
  ASSERT_TRUE(never_idle.ok()) << never_idle.status();
  store_ = std::move(*never_idle);
  ASSERT_TRUE(store_->Insert(std::vector{Event("c", kT0 + 3)}).ok());
  EXPECT_EQ(CountRows(path, "rollup_minute_all"), 2);
  EXPECT_EQ(SumAll().requests, 3);
  store_.reset();
  EXPECT_EQ(CountRows(path, "rollup_minute_all"), 3);
}

TEST(RollupForTest, PicksTheNarrowestTableWithEveryNeededColumn) {
  EXPECT_EQ(RollupFor({}, GroupBy::kNone), Rollup::kOverall);
  EXPECT_EQ(RollupFor({}, GroupBy::kModel), Rollup::kModel);
  EXPECT_EQ(RollupFor({.models = {"m"}}, GroupBy::kModel), Rollup::kModel);
  EXPECT_EQ(RollupFor({.provider_ids = {1}}, GroupBy::kNone), Rollup::kProvider);
  EXPECT_EQ(RollupFor({.key_ids = {3}}, GroupBy::kKey), Rollup::kKey);
  EXPECT_EQ(RollupFor({.key_ids = {3}}, GroupBy::kModel), Rollup::kFull);
  EXPECT_EQ(RollupFor({.provider_ids = {1}, .models = {"m"}}, GroupBy::kNone), Rollup::kFull);
}

TEST_F(SqliteUsageStoreTest, UpgradeFromVersionOneFillsTheSingleDimensionRollups) {
  // Version 1 had every level complete: let the clock pass so that every minute gets folded.
  testing_support::FakeClock clock(absl::FromUnixMillis(kT0 + 20 * kDayMs));
  store_.reset();
  auto clocked = SqliteUsageStore::Open(dir_.path() + "/stats.db", {.clock = &clock});
  ASSERT_TRUE(clocked.ok()) << clocked.status();
  store_ = std::move(*clocked);
  std::vector<UsageEvent> batch;
  for (int i = 0; i < 300; ++i) {
    UsageEvent e = Event(absl::StrCat("r", i), kT0 + i * 7 * kMinuteMs, i % 4 ? "" : "c", i, 1);
    e.key_id = i % 9;
    e.provider_id = 1 + i % 2;
    e.model = absl::StrCat("m", i % 5);
    batch.push_back(e);
  }
  ASSERT_TRUE(store_->Insert(batch).ok());
  const Filter everything{.start_ms = kT0 - kDayMs, .end_ms = kT0 + 10 * kDayMs};
  auto before = store_->Sum(everything, GroupBy::kModel);
  ASSERT_TRUE(before.ok()) << before.status();
  store_.reset();
  {
    // What a version-1 database looks like: no single-dimension rollups.
    SQLite::Database db(dir_.path() + "/stats.db", SQLite::OPEN_READWRITE);
    for (Level level : {Level::kMinute, Level::kHour, Level::kDay}) {
      for (Rollup rollup : {Rollup::kProvider, Rollup::kModel, Rollup::kKey}) {
        db.exec(absl::StrCat("DROP TABLE ", RollupTable(level, rollup)));
      }
    }
    db.exec("DROP TABLE rollup_fold");
    db.exec("DROP TABLE conversation_moves");
    db.exec("PRAGMA user_version = 1");
  }
  auto reopened = SqliteUsageStore::Open(dir_.path() + "/stats.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  store_ = std::move(*reopened);
  auto after = store_->Sum(everything, GroupBy::kModel);  // now read from rollup_*_model
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].group, (*before)[i].group);
    EXPECT_EQ((*after)[i].metrics.requests, (*before)[i].metrics.requests);
    EXPECT_EQ((*after)[i].metrics.total_tokens, (*before)[i].metrics.total_tokens);
    EXPECT_EQ((*after)[i].metrics.new_conversations, (*before)[i].metrics.new_conversations);
    EXPECT_EQ((*after)[i].metrics.latency, (*before)[i].metrics.latency);
  }
  for (GroupBy group_by : {GroupBy::kProvider, GroupBy::kKey}) {
    auto rows = store_->Sum(everything, group_by);
    ASSERT_TRUE(rows.ok()) << rows.status();
    int64_t requests = 0;
    for (const BreakdownRow& row : *rows) requests += row.metrics.requests;
    EXPECT_EQ(requests, 300);
  }
  // New events keep the upgraded tables in step.
  ASSERT_TRUE(store_->Insert(std::vector{Event("late", kT0 + 5)}).ok());
  auto by_key =
      store_->Sum({.start_ms = kT0, .end_ms = kT0 + kMinuteMs, .key_ids = {7}}, GroupBy::kKey);
  ASSERT_TRUE(by_key.ok()) << by_key.status();
  ASSERT_EQ(by_key->size(), 1u);
  EXPECT_EQ((*by_key)[0].metrics.requests, 1);
}

}  // namespace
}  // namespace nexus::stats
