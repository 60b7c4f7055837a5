#include "stats/service/stats_grpc_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "stats/app/stats_server.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::stats {
namespace {

using ::testing::HasSubstr;

class StatsGrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatsSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.data_dir = dir_.path() + "/data";
    log::Logger logger("stats", log::Level::kInfo, std::make_shared<testing_support::CaptureSink>(),
                       std::make_shared<log::Redactor>());
    auto server = StatsServer::Start(settings, logger, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::Stats::NewStub(server_->InProcessChannel());
  }
  int64_t Now() const { return absl::ToUnixMillis(clock_.Now()); }
  v1::UsageEvent Event(const std::string& id, int64_t prompt, int64_t completion) {
    v1::UsageEvent e;
    e.set_request_id(id);
    e.set_timestamp_ms(Now() - 5000);
    e.set_provider_id(1);
    e.set_key_id(9);
    e.set_model("gpt-test");
    e.set_conversation_id("conv-" + id.substr(0, 1));
    e.set_prompt_tokens(prompt);
    e.set_completion_tokens(completion);
    e.set_total_tokens(prompt + completion);
    e.set_token_source(v1::TOKEN_SOURCE_REPORTED);
    e.set_endpoint(v1::ENDPOINT_CHAT_COMPLETIONS);
    e.set_http_status(200);
    e.set_latency_ms(250);
    return e;
  }
  v1::Filter Everything() {
    v1::Filter f;
    f.set_start_ms(Now() - 3'600'000);
    f.set_end_ms(Now());
    return f;
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_;
  std::unique_ptr<StatsServer> server_;
  std::unique_ptr<v1::Stats::Stub> stub_;
};

TEST_F(StatsGrpcServiceTest, RecordsBatchReportsRejectionsAndDuplicates) {
  v1::RecordUsageRequest request;
  *request.add_events() = Event("a1", 10, 5);
  *request.add_events() = Event("a2", 20, 5);
  v1::UsageEvent bad = Event("b1", 1, 1);
  bad.set_token_source(static_cast<v1::TokenSource>(77));
  *request.add_events() = bad;
  *request.add_events() = Event("a1", 10, 5);
  v1::RecordUsageResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->RecordUsage(&context, request, &response).ok());
  EXPECT_EQ(response.accepted(), 2);
  EXPECT_EQ(response.duplicates(), 1);
  ASSERT_EQ(response.rejected_size(), 1);
  EXPECT_EQ(response.rejected(0).index(), 2);
  EXPECT_EQ(response.rejected(0).request_id(), "b1");
  EXPECT_THAT(response.rejected(0).reason(), HasSubstr("unknown token_source 77"));

  v1::GetTotalsRequest totals_request;
  *totals_request.mutable_filter() = Everything();
  v1::Totals totals;
  grpc::ClientContext totals_context;
  ASSERT_TRUE(stub_->GetTotals(&totals_context, totals_request, &totals).ok());
  EXPECT_EQ(totals.requests(), 2);
  EXPECT_EQ(totals.conversations(), 1);
  EXPECT_EQ(totals.rounds(), 2);
  EXPECT_EQ(totals.prompt_tokens(), 30);
  EXPECT_EQ(totals.total_tokens(), 40);
  EXPECT_GT(totals.latency_p50_ms(), 150);
  EXPECT_LT(totals.latency_p50_ms(), 400);
}

TEST_F(StatsGrpcServiceTest, MalformedCallsAreInvalidArgument) {
  v1::RecordUsageRequest empty;
  v1::RecordUsageResponse response;
  grpc::ClientContext c1;
  grpc::Status status = stub_->RecordUsage(&c1, empty, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("no events"));

  v1::GetTotalsRequest backwards;
  backwards.mutable_filter()->set_start_ms(100);
  backwards.mutable_filter()->set_end_ms(50);
  v1::Totals totals;
  grpc::ClientContext c2;
  status = stub_->GetTotals(&c2, backwards, &totals);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("before start_ms"));

  v1::GetTimeSeriesRequest series;
  *series.mutable_filter() = Everything();
  series.set_bucket(static_cast<v1::Bucket>(12));
  v1::GetTimeSeriesResponse series_response;
  grpc::ClientContext c3;
  EXPECT_EQ(stub_->GetTimeSeries(&c3, series, &series_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(StatsGrpcServiceTest, SeriesBreakdownAndRequestLog) {
  v1::RecordUsageRequest request;
  for (int i = 0; i < 5; ++i) *request.add_events() = Event("r" + std::to_string(i), 100, i);
  v1::RecordUsageResponse response;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub_->RecordUsage(&c1, request, &response).ok());
  ASSERT_EQ(response.accepted(), 5);

  v1::GetTimeSeriesRequest series;
  *series.mutable_filter() = Everything();
  series.set_bucket(v1::BUCKET_MINUTE);
  series.set_group_by(v1::GROUP_BY_PROVIDER);
  v1::GetTimeSeriesResponse series_response;
  grpc::ClientContext c2;
  ASSERT_TRUE(stub_->GetTimeSeries(&c2, series, &series_response).ok());
  ASSERT_EQ(series_response.series_size(), 1);
  EXPECT_EQ(series_response.series(0).group(), "1");
  int64_t requests = 0;
  for (const auto& p : series_response.series(0).points()) requests += p.requests();
  EXPECT_EQ(requests, 5);

  v1::GetBreakdownRequest breakdown;
  *breakdown.mutable_filter() = Everything();
  breakdown.set_group_by(v1::GROUP_BY_MODEL);
  v1::GetBreakdownResponse rows;
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->GetBreakdown(&c3, breakdown, &rows).ok());
  ASSERT_EQ(rows.rows_size(), 1);
  EXPECT_EQ(rows.rows(0).group(), "gpt-test");
  EXPECT_EQ(rows.rows(0).total_tokens(), 510);

  v1::ListRequestsRequest list;
  *list.mutable_filter() = Everything();
  list.set_page_size(3);
  v1::ListRequestsResponse page;
  grpc::ClientContext c4;
  ASSERT_TRUE(stub_->ListRequests(&c4, list, &page).ok());
  EXPECT_EQ(page.events_size(), 3);
  EXPECT_FALSE(page.next_page_token().empty());
  EXPECT_EQ(page.events(0).model(), "gpt-test");
  EXPECT_EQ(page.events(0).token_source(), v1::TOKEN_SOURCE_REPORTED);
}

}  // namespace
}  // namespace nexus::stats
