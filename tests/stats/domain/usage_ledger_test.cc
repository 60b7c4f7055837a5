#include "stats/domain/usage_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "stats/store/sqlite_usage_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::stats {
namespace {

using ::testing::HasSubstr;

class UsageLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteUsageStore::Open(dir_.path() + "/stats.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ledger_ = std::make_unique<UsageLedger>(*store_, clock_, absl::Hours(24 * 30));
  }
  int64_t Now() const { return absl::ToUnixMillis(clock_.Now()); }
  UsageEvent Event(std::string id, int64_t prompt = 3, int64_t completion = 4) const {
    UsageEvent e;
    e.request_id = std::move(id);
    e.timestamp_ms = Now() - 1000;
    e.provider_id = 2;
    e.model = "m";
    e.prompt_tokens = prompt;
    e.completion_tokens = completion;
    e.http_status = 200;
    return e;
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_;
  std::unique_ptr<SqliteUsageStore> store_;
  std::unique_ptr<UsageLedger> ledger_;
};

TEST_F(UsageLedgerTest, BadEventsAreRejectedWithoutPoisoningTheBatch) {
  std::vector<UsageEvent> batch = {Event("good-1"), Event(""), Event("bad", -1, 0), Event("good-2"),
                                   Event("good-1")};
  auto result = ledger_->Record(batch);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->accepted, 2);
  EXPECT_EQ(result->duplicates, 1);
  ASSERT_EQ(result->rejected.size(), 2u);
  EXPECT_EQ(result->rejected[0].index, 1);
  EXPECT_THAT(result->rejected[0].reason, HasSubstr("request_id is missing"));
  EXPECT_EQ(result->rejected[1].index, 2);
  EXPECT_EQ(result->rejected[1].request_id, "bad");
  EXPECT_THAT(result->rejected[1].reason, HasSubstr("prompt_tokens is negative"));

  auto totals = ledger_->GetTotals({.start_ms = 0, .end_ms = Now() + 1});
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->requests, 2);
  EXPECT_EQ(totals->total_tokens, 14);  // totals filled in from prompt + completion
}

TEST_F(UsageLedgerTest, RefusesEventsOlderThanTheRetention) {
  UsageEvent old = Event("old");
  old.timestamp_ms = Now() - absl::ToInt64Milliseconds(absl::Hours(24 * 31));
  auto result = ledger_->Record({old});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->accepted, 0);
  ASSERT_EQ(result->rejected.size(), 1u);
  EXPECT_THAT(result->rejected[0].reason, HasSubstr("retention"));
}

TEST_F(UsageLedgerTest, InvalidBatchesAndQueries) {
  EXPECT_EQ(ledger_->Record({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Record(std::vector<UsageEvent>(10'001, Event("x"))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->GetTotals({.start_ms = 10, .end_ms = 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->GetBreakdown({.filter = {.start_ms = 0, .end_ms = 1}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(UsageLedgerTest, BreakdownIsTopNByTotalTokens) {
  std::vector<UsageEvent> batch;
  for (int i = 0; i < 5; ++i) {
    UsageEvent e = Event(absl::StrCat("r", i), 10 * (i + 1), 0);
    e.key_id = i + 1;
    batch.push_back(e);
  }
  ASSERT_TRUE(ledger_->Record(batch).ok());
  auto rows = ledger_->GetBreakdown(
      {.filter = {.start_ms = 0, .end_ms = Now()}, .group_by = GroupBy::kKey, .limit = 2});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].group, "5");
  EXPECT_EQ((*rows)[0].metrics.total_tokens, 50);
  EXPECT_EQ((*rows)[1].group, "4");
}

}  // namespace
}  // namespace nexus::stats
