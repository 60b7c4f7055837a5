// Randomized check of the store against a brute-force oracle: random batches with duplicates and
// late events, folds at random points and a simulated crash with events not folded yet, then
// sums over random ranges, filters and groupings, and a direct comparison of every rollup table
// against the raw log.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "stats/domain/range_split.h"
#include "stats/store/sqlite_usage_store.h"
#include "stats/store/usage_schema.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::stats {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000 / kDayMs * kDayMs;
constexpr int64_t kSpan = 3 * kDayMs;

class Oracle {
 public:
  // First copy of a request id wins, as in the store.
  bool Add(const UsageEvent& e) { return events_.emplace(e.request_id, e).second; }

  Metrics Sum(const Filter& f, GroupBy group_by, const std::string& group) const {
    std::map<std::string, std::pair<int64_t, std::string>> first;  // conversation → first
    for (const auto& [id, e] : events_) {
      if (e.conversation_id.empty()) continue;
      auto key = std::make_pair(e.timestamp_ms, e.request_id);
      auto [it, inserted] = first.emplace(e.conversation_id, key);
      if (!inserted && key < it->second) it->second = key;
    }
    Metrics m;
    for (const auto& [id, e] : events_) {
      if (e.timestamp_ms < f.start_ms || e.timestamp_ms >= f.end_ms || !Matches(f, e)) continue;
      if (GroupOf(e, group_by) != group) continue;
      bool starts = !e.conversation_id.empty() &&
                    first.at(e.conversation_id) == std::make_pair(e.timestamp_ms, e.request_id);
      m.AddEvent(e, starts);
    }
    return m;
  }

  static std::string GroupOf(const UsageEvent& e, GroupBy g) {
    switch (g) {
      case GroupBy::kProvider:
        return absl::StrCat(e.provider_id);
      case GroupBy::kModel:
        return e.model;
      case GroupBy::kKey:
        return absl::StrCat(e.key_id);
      case GroupBy::kNone:
        break;
    }
    return "";
  }

  const std::map<std::string, UsageEvent>& events() const { return events_; }

 private:
  static bool Matches(const Filter& f, const UsageEvent& e) {
    auto in = [](const auto& list, const auto& v) {
      return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
    };
    return in(f.provider_ids, e.provider_id) && in(f.models, e.model) && in(f.key_ids, e.key_id);
  }
  std::map<std::string, UsageEvent> events_;
};

void ExpectSameMetrics(const Metrics& got, const Metrics& want, const std::string& where) {
  EXPECT_EQ(got.requests, want.requests) << where;
  EXPECT_EQ(got.new_conversations, want.new_conversations) << where;
  EXPECT_EQ(got.rounds, want.rounds) << where;
  EXPECT_EQ(got.prompt_tokens, want.prompt_tokens) << where;
  EXPECT_EQ(got.completion_tokens, want.completion_tokens) << where;
  EXPECT_EQ(got.total_tokens, want.total_tokens) << where;
  EXPECT_EQ(got.errors, want.errors) << where;
  EXPECT_EQ(got.latency, want.latency) << where;
}

class UsagePropertyTest : public ::testing::TestWithParam<int> {
 protected:
  UsageEvent RandomEvent(int serial) {
    std::uniform_int_distribution<int64_t> t(kT0, kT0 + kSpan - 1);
    std::uniform_int_distribution<int> small(0, 99);
    UsageEvent e;
    e.request_id = absl::StrCat("req-", serial);
    e.timestamp_ms = t(rng_);
    // Some events land exactly on bucket boundaries, where off-by-one errors live.
    if (small(rng_) < 10) e.timestamp_ms = e.timestamp_ms / kHourMs * kHourMs;
    e.provider_id = 1 + small(rng_) % 3;
    e.model = absl::StrCat("model-", small(rng_) % 4);
    e.key_id = 1 + small(rng_) % 5;
    if (small(rng_) < 70) e.conversation_id = absl::StrCat("conv-", small(rng_) % 40);
    e.prompt_tokens = small(rng_) * 13;
    e.completion_tokens = small(rng_) * 7;
    e.total_tokens = e.prompt_tokens + e.completion_tokens;
    e.http_status = small(rng_) < 10 ? 500 : 200;
    if (small(rng_) < 3) e.error_type = "stream_error";
    e.latency_ms = std::uniform_int_distribution<int64_t>(0, 100'000)(rng_);
    return e;
  }

  // Folds only when asked or after 100 unfolded events, so queries meet every state.
  static absl::StatusOr<std::unique_ptr<SqliteUsageStore>> Open(const std::string& path,
                                                                const Clock& clock) {
    return SqliteUsageStore::Open(path, {.fold = {.max_unfolded_events = 100,
                                                  .max_interval = absl::InfiniteDuration(),
                                                  .idle_delay = absl::InfiniteDuration()},
                                         .clock = &clock});
  }

  // What a crash leaves: the database files as they are while `store` runs (between commits),
  // opened as a new store. Events not folded yet exist only as raw rows there.
  static std::unique_ptr<SqliteUsageStore> CopyAsCrashed(const std::string& from,
                                                         const std::string& to,
                                                         const Clock& clock) {
    for (const char* suffix : {"", "-wal"}) {
      std::filesystem::copy_file(from + suffix, to + suffix);
    }
    auto store = Open(to, clock);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Random ranges, filters and groupings, each compared with the oracle, as sums and as an
  // hourly series.
  void CheckQueries(SqliteUsageStore& store, const Oracle& oracle, int queries) {
    std::uniform_int_distribution<int64_t> t(kT0 - kHourMs, kT0 + kSpan + kHourMs);
    for (int q = 0; q < queries; ++q) {
      int64_t a = t(rng_), b = t(rng_);
      if (q % 4 == 0) a = a / kMinuteMs * kMinuteMs;
      Filter f{.start_ms = std::min(a, b), .end_ms = std::max(a, b)};
      if (q % 3 == 1) f.provider_ids = {1, 3};
      if (q % 5 == 2) f.models = {"model-2"};
      if (q % 7 == 3) f.key_ids = {2, 4, 5};
      GroupBy group_by = static_cast<GroupBy>(q % 4);
      auto rows = store.Sum(f, group_by);
      ASSERT_TRUE(rows.ok()) << rows.status();
      int64_t requests = 0;
      for (const BreakdownRow& row : *rows) {
        ExpectSameMetrics(row.metrics, oracle.Sum(f, group_by, row.group),
                          absl::StrCat("query ", q, " group ", row.group));
        requests += row.metrics.requests;
      }
      // No group is missing: the groups add up to the ungrouped sum.
      Metrics everything = oracle.Sum(f, GroupBy::kNone, "");
      EXPECT_EQ(requests, everything.requests) << "query " << q;

      // The same range as an hourly series: every point equals the oracle over its hour.
      auto series = store.TimeSeries({.filter = f, .bucket = Bucket::kHour});
      ASSERT_TRUE(series.ok()) << series.status();
      for (const Series& s : *series) {
        for (const SeriesPoint& p : s.points) {
          Filter hour = f;
          hour.start_ms = std::max(f.start_ms, p.bucket_start_ms);
          hour.end_ms = std::min(f.end_ms, p.bucket_start_ms + kHourMs);
          ExpectSameMetrics(p.metrics, oracle.Sum(hour, GroupBy::kNone, ""),
                            absl::StrCat("query ", q, " hour ", p.bucket_start_ms));
        }
      }
    }
  }

  std::mt19937_64 rng_{static_cast<uint64_t>(GetParam())};
};

TEST_P(UsagePropertyTest, RollupsMatchTheRawLogUnderRandomBatchesWithDuplicates) {
  testing_support::TempDir dir;
  // The clock walks through the span while batches arrive, so minutes get folded into the hour
  // and day rollups along the way, events land both before the fold mark (late) and after it,
  // and the queries below read ranges on both sides of the mark.
  testing_support::FakeClock clock(absl::FromUnixMillis(kT0));
  auto store = Open(dir.path() + "/stats.db", clock);
  ASSERT_TRUE(store.ok()) << store.status();
  std::string path = dir.path() + "/stats.db";
  Oracle oracle;
  std::vector<UsageEvent> sent;
  int serial = 0;
  std::uniform_int_distribution<int> batch_size(1, 80), pick(0, 99);
  for (int b = 0; b < 40; ++b) {
    clock.Set(absl::FromUnixMillis(kT0 + kSpan * b / 40));
    std::vector<UsageEvent> batch;
    int n = batch_size(rng_);
    for (int i = 0; i < n; ++i) {
      // A fifth are replays of earlier events (retries), some of them altered: first one wins.
      if (!sent.empty() && pick(rng_) < 20) {
        UsageEvent replay = sent[std::uniform_int_distribution<size_t>(0, sent.size() - 1)(rng_)];
        if (pick(rng_) < 30) replay.prompt_tokens += 1, replay.total_tokens += 1;
        batch.push_back(replay);
      } else {
        batch.push_back(RandomEvent(serial++));
      }
    }
    auto stored = (*store)->Insert(batch);
    ASSERT_TRUE(stored.ok()) << stored.status();
    for (size_t i = 0; i < batch.size(); ++i) {
      EXPECT_EQ((*stored)[i], oracle.Add(batch[i])) << batch[i].request_id;
      sent.push_back(batch[i]);
    }
    if (pick(rng_) < 15) {
      ASSERT_TRUE((*store)->FoldRollups().ok());
    }
    // Mid-way, with some events folded and some not.
    if (b % 4 == 3) CheckQueries(**store, oracle, 6);
    if (b == 25) {
      // The crashed copy goes on; the original (which folds when closed) is dropped.
      const std::string crashed = dir.path() + "/crashed.db";
      std::unique_ptr<SqliteUsageStore> copy = CopyAsCrashed(path, crashed, clock);
      ASSERT_NE(copy, nullptr);
      *store = std::move(copy);
      path = crashed;
    }
  }

  CheckQueries(**store, oracle, 60);

  // Every rollup table sums to exactly what the raw log holds, once every minute is folded.
  clock.Set(absl::FromUnixMillis(kT0 + kSpan + kDayMs));
  ASSERT_TRUE((*store)->FoldRollups().ok());
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  int64_t raw_requests = db.execAndGet("SELECT COUNT(*) FROM request_log").getInt64();
  int64_t raw_tokens = db.execAndGet("SELECT SUM(total_tokens) FROM request_log").getInt64();
  int64_t raw_rounds =
      db.execAndGet("SELECT COUNT(*) FROM request_log WHERE conversation_id != ''").getInt64();
  int64_t conversations = db.execAndGet("SELECT COUNT(*) FROM conversations").getInt64();
  EXPECT_EQ(raw_requests, static_cast<int64_t>(oracle.events().size()));
  for (Level level : {Level::kMinute, Level::kHour, Level::kDay}) {
    for (Rollup rollup : kAllRollups) {
      std::string table = RollupTable(level, rollup);
      SQLite::Statement sums(db, absl::StrCat("SELECT SUM(requests), SUM(total_tokens), "
                                              "SUM(rounds), SUM(new_conversations) FROM ",
                                              table));
      ASSERT_TRUE(sums.executeStep());
      EXPECT_EQ(sums.getColumn(0).getInt64(), raw_requests) << table;
      EXPECT_EQ(sums.getColumn(1).getInt64(), raw_tokens) << table;
      EXPECT_EQ(sums.getColumn(2).getInt64(), raw_rounds) << table;
      EXPECT_EQ(sums.getColumn(3).getInt64(), conversations) << table;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, UsagePropertyTest, ::testing::Values(1, 2, 3, 42));

}  // namespace
}  // namespace nexus::stats
