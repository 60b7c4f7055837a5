#include "stats/app/log_pruner.h"

#include <gtest/gtest.h>

#include "stats/store/sqlite_usage_store.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::stats {
namespace {

TEST(LogPrunerTest, DeletesOnlyRowsPastRetentionAndKeepsTotals) {
  testing_support::TempDir dir;
  testing_support::FakeClock clock;
  auto store = SqliteUsageStore::Open(dir.path() + "/stats.db");
  ASSERT_TRUE(store.ok());
  const int64_t now = absl::ToUnixMillis(clock.Now());
  std::vector<UsageEvent> batch;
  for (int i = 0; i < 4500; ++i) {
    UsageEvent e;
    e.request_id = "r" + std::to_string(i);
    // 4000 rows two days old, 500 fresh.
    e.timestamp_ms = i < 4000 ? now - 2 * kDayMs : now - 1000;
    e.prompt_tokens = e.total_tokens = 1;
    batch.push_back(e);
  }
  ASSERT_TRUE((*store)->Insert(batch).ok());
  log::Logger logger("stats", log::Level::kInfo, std::make_shared<testing_support::CaptureSink>(),
                     std::make_shared<log::Redactor>());
  LogPruner pruner(**store, clock, absl::Hours(24), logger);
  EXPECT_EQ(pruner.PruneOnce(), 4000);
  EXPECT_EQ(pruner.PruneOnce(), 0);
  auto rows = (*store)->Sum({.start_ms = 0, .end_ms = now + 1}, GroupBy::kNone);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].metrics.requests, 4500);
  auto page =
      (*store)->ListRequests({.filter = {.start_ms = 0, .end_ms = now + 1}, .page_size = 1000});
  EXPECT_EQ(page->events.size(), 500u);

  LogPruner keep_forever(**store, clock, absl::ZeroDuration(), logger);
  clock.Advance(absl::Hours(24 * 400));
  EXPECT_EQ(keep_forever.PruneOnce(), 0);
}

}  // namespace
}  // namespace nexus::stats
