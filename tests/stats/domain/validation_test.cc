#include "stats/domain/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nexus::stats {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr int64_t kNow = 1'800'000'000'000;

UsageEvent GoodEvent() {
  UsageEvent e;
  e.request_id = "req-1";
  e.timestamp_ms = kNow - 1000;
  e.provider_id = 1;
  e.key_id = 2;
  e.model = "gpt-4o";
  e.prompt_tokens = 10;
  e.completion_tokens = 5;
  e.total_tokens = 15;
  e.token_source = 1;
  e.endpoint = 1;
  e.http_status = 200;
  e.latency_ms = 300;
  return e;
}

std::optional<std::string> Check(UsageEvent e, int64_t oldest = 0) {
  return CheckEvent(e, EventLimits{.now_ms = kNow, .oldest_ms = oldest});
}

TEST(ValidationTest, AcceptsAGoodEvent) { EXPECT_EQ(Check(GoodEvent()), std::nullopt); }

TEST(ValidationTest, RejectsEachBadFieldWithItsReason) {
  struct Case {
    void (*mutate)(UsageEvent&);
    const char* reason;
  };
  const Case cases[] = {
      {[](UsageEvent& e) { e.request_id.clear(); }, "request_id is missing"},
      {[](UsageEvent& e) { e.request_id = std::string(200, 'x'); }, "request_id is 200 bytes"},
      {[](UsageEvent& e) { e.prompt_tokens = -1; }, "prompt_tokens is negative"},
      {[](UsageEvent& e) { e.completion_tokens = 2'000'000'000; },
       "completion_tokens is 2000000000"},
      {[](UsageEvent& e) { e.total_tokens = 16; }, "total_tokens 16 != prompt_tokens + completion"},
      {[](UsageEvent& e) { e.timestamp_ms = 0; }, "timestamp_ms must be a positive"},
      {[](UsageEvent& e) { e.timestamp_ms = kNow + 3'600'000; }, "in the future"},
      {[](UsageEvent& e) { e.token_source = 9; }, "unknown token_source 9"},
      {[](UsageEvent& e) { e.endpoint = -3; }, "unknown endpoint -3"},
      {[](UsageEvent& e) { e.http_status = 42; }, "http_status 42"},
      {[](UsageEvent& e) { e.latency_ms = -5; }, "latency_ms is negative"},
      {[](UsageEvent& e) { e.key_id = -5; }, "key_id is negative"},
  };
  for (const Case& c : cases) {
    UsageEvent e = GoodEvent();
    c.mutate(e);
    EXPECT_THAT(Check(e), Optional(HasSubstr(c.reason))) << c.reason;
  }
}

TEST(ValidationTest, RefusesEventsOlderThanTheRetentionWindow) {
  EXPECT_THAT(Check(GoodEvent(), kNow),
              Optional(HasSubstr("older than the request log retention")));
}

TEST(ValidationTest, FillsAMissingTotalAndKeepsATotalOnlyReport) {
  UsageEvent e = GoodEvent();
  e.total_tokens = 0;
  EXPECT_EQ(CheckEvent(e, {.now_ms = kNow}), std::nullopt);
  EXPECT_EQ(e.total_tokens, 15);
  UsageEvent only_total = GoodEvent();
  only_total.prompt_tokens = 0;
  only_total.completion_tokens = 0;
  only_total.total_tokens = 40;
  EXPECT_EQ(CheckEvent(only_total, {.now_ms = kNow}), std::nullopt);
  EXPECT_EQ(only_total.total_tokens, 40);
}

TEST(ValidationTest, BatchSizeLimits) {
  EXPECT_EQ(CheckBatchSize(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckBatchSize(1).ok());
  EXPECT_TRUE(CheckBatchSize(10'000).ok());
  EXPECT_THAT(std::string(CheckBatchSize(10'001).message()), HasSubstr("10001 events"));
}

TEST(ValidationTest, QueryChecks) {
  EXPECT_THAT(std::string(CheckFilter({.start_ms = 10, .end_ms = 5}).message()),
              HasSubstr("end_ms 5 is before start_ms 10"));
  EXPECT_TRUE(CheckFilter({.start_ms = 5, .end_ms = 5}).ok());
  SeriesQuery minutes{.filter = {.start_ms = 0, .end_ms = 30 * kDayMs}, .bucket = Bucket::kMinute};
  EXPECT_THAT(std::string(CheckSeriesQuery(minutes).message()), HasSubstr("43200 buckets"));
  SeriesQuery hours = minutes;
  hours.bucket = Bucket::kHour;
  EXPECT_TRUE(CheckSeriesQuery(hours).ok());
  hours.bucket = Bucket::kUnspecified;
  EXPECT_EQ(CheckSeriesQuery(hours).code(), absl::StatusCode::kInvalidArgument);
  hours.bucket = static_cast<Bucket>(7);
  EXPECT_EQ(CheckSeriesQuery(hours).code(), absl::StatusCode::kInvalidArgument);
  SeriesQuery bad_group{.filter = {.start_ms = 0, .end_ms = 1},
                        .bucket = Bucket::kHour,
                        .group_by = static_cast<GroupBy>(9)};
  EXPECT_THAT(std::string(CheckSeriesQuery(bad_group).message()), HasSubstr("unknown group_by 9"));

  BreakdownQuery breakdown{
      .filter = {.start_ms = 0, .end_ms = 1}, .group_by = GroupBy::kModel, .limit = 0};
  EXPECT_TRUE(CheckBreakdownQuery(breakdown).ok());
  EXPECT_EQ(breakdown.limit, 10);
  breakdown.limit = 1001;
  EXPECT_EQ(CheckBreakdownQuery(breakdown).code(), absl::StatusCode::kInvalidArgument);
  breakdown.limit = 5;
  breakdown.group_by = GroupBy::kNone;
  EXPECT_EQ(CheckBreakdownQuery(breakdown).code(), absl::StatusCode::kInvalidArgument);

  RequestsQuery requests{.filter = {.start_ms = 0, .end_ms = 1}, .page_size = 0, .page_token = ""};
  EXPECT_TRUE(CheckRequestsQuery(requests).ok());
  EXPECT_EQ(requests.page_size, 100);
  requests.page_size = -1;
  EXPECT_EQ(CheckRequestsQuery(requests).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nexus::stats
