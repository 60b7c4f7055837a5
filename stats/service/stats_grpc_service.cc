#include "stats/service/stats_grpc_service.h"

#include <vector>

#include "services/status/status_map.h"
#include "stats/service/proto_convert.h"

namespace nexus::stats {

grpc::Status StatsGrpcService::RecordUsage(grpc::ServerContext*,
                                           const v1::RecordUsageRequest* request,
                                           v1::RecordUsageResponse* response) {
  std::vector<UsageEvent> events;
  events.reserve(request->events_size());
  for (const v1::UsageEvent& e : request->events()) events.push_back(FromProto(e));
  absl::StatusOr<RecordResult> result = ledger_.Record(std::move(events));
  if (!result.ok()) return status::ToGrpc(result.status());
  ToProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status StatsGrpcService::GetTotals(grpc::ServerContext*, const v1::GetTotalsRequest* request,
                                         v1::Totals* response) {
  absl::StatusOr<Totals> totals = ledger_.GetTotals(FromProto(request->filter()));
  if (!totals.ok()) return status::ToGrpc(totals.status());
  ToProto(*totals, response);
  return grpc::Status::OK;
}

grpc::Status StatsGrpcService::GetTimeSeries(grpc::ServerContext*,
                                             const v1::GetTimeSeriesRequest* request,
                                             v1::GetTimeSeriesResponse* response) {
  SeriesQuery query{.filter = FromProto(request->filter()),
                    .bucket = static_cast<Bucket>(request->bucket()),
                    .group_by = static_cast<GroupBy>(request->group_by())};
  absl::StatusOr<std::vector<Series>> series = ledger_.GetTimeSeries(query);
  if (!series.ok()) return status::ToGrpc(series.status());
  for (const Series& s : *series) {
    v1::Series* out = response->add_series();
    out->set_group(s.group);
    for (const SeriesPoint& point : s.points) ToProto(point, out->add_points());
  }
  return grpc::Status::OK;
}

grpc::Status StatsGrpcService::GetBreakdown(grpc::ServerContext*,
                                            const v1::GetBreakdownRequest* request,
                                            v1::GetBreakdownResponse* response) {
  BreakdownQuery query{.filter = FromProto(request->filter()),
                       .group_by = static_cast<GroupBy>(request->group_by()),
                       .limit = request->limit()};
  absl::StatusOr<std::vector<BreakdownRow>> rows = ledger_.GetBreakdown(std::move(query));
  if (!rows.ok()) return status::ToGrpc(rows.status());
  for (const BreakdownRow& row : *rows) ToProto(row, response->add_rows());
  return grpc::Status::OK;
}

grpc::Status StatsGrpcService::ListRequests(grpc::ServerContext*,
                                            const v1::ListRequestsRequest* request,
                                            v1::ListRequestsResponse* response) {
  RequestsQuery query{.filter = FromProto(request->filter()),
                      .page_size = request->page_size(),
                      .page_token = request->page_token()};
  absl::StatusOr<RequestPage> page = ledger_.ListRequests(std::move(query));
  if (!page.ok()) return status::ToGrpc(page.status());
  for (const UsageEvent& e : page->events) ToProto(e, response->add_events());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace nexus::stats
