#include "tests/integration/gateway/stats_ledger.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "services/grpc/channel_factory.h"

namespace nexus::testing_support {
namespace {

nexus::stats::v1::Filter KeyFilter(int64_t key_id) {
  nexus::stats::v1::Filter filter;
  filter.add_key_ids(key_id);
  filter.set_end_ms(absl::ToUnixMillis(absl::Now() + absl::Hours(1)));
  return filter;
}

}  // namespace

absl::StatusOr<nexus::stats::v1::Totals> KeyTotals(nexus::stats::v1::Stats::Stub& stats,
                                                   int64_t key_id) {
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(5));
  nexus::stats::v1::GetTotalsRequest request;
  *request.mutable_filter() = KeyFilter(key_id);
  nexus::stats::v1::Totals totals;
  grpc::Status status = stats.GetTotals(&context, request, &totals);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return totals;
}

nexus::stats::v1::Totals WaitForKeyRequests(nexus::stats::v1::Stats::Stub& stats, int64_t key_id,
                                            int64_t requests, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  nexus::stats::v1::Totals last;
  while (absl::Now() < until) {
    absl::StatusOr<nexus::stats::v1::Totals> totals = KeyTotals(stats, key_id);
    if (totals.ok()) {
      last = *totals;
      if (last.requests() >= requests) return last;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return last;
}

std::vector<nexus::stats::v1::UsageEvent> KeyEvents(nexus::stats::v1::Stats::Stub& stats,
                                                    int64_t key_id) {
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(5));
  nexus::stats::v1::ListRequestsRequest request;
  *request.mutable_filter() = KeyFilter(key_id);
  nexus::stats::v1::ListRequestsResponse response;
  grpc::Status status = stats.ListRequests(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return {response.events().begin(), response.events().end()};
}

}  // namespace nexus::testing_support
