#ifndef NEXUS_STATS_SERVICE_STATS_GRPC_SERVICE_H_
#define NEXUS_STATS_SERVICE_STATS_GRPC_SERVICE_H_

#include "nexus/stats/v1/stats.grpc.pb.h"
#include "stats/domain/usage_ledger.h"

namespace nexus::stats {

// The gRPC edge of the stats service: converts messages and maps statuses, nothing else.
class StatsGrpcService final : public v1::Stats::Service {
 public:
  explicit StatsGrpcService(UsageLedger& ledger) : ledger_(ledger) {}

  grpc::Status RecordUsage(grpc::ServerContext* context, const v1::RecordUsageRequest* request,
                           v1::RecordUsageResponse* response) override;
  grpc::Status GetTotals(grpc::ServerContext* context, const v1::GetTotalsRequest* request,
                         v1::Totals* response) override;
  grpc::Status GetTimeSeries(grpc::ServerContext* context, const v1::GetTimeSeriesRequest* request,
                             v1::GetTimeSeriesResponse* response) override;
  grpc::Status GetBreakdown(grpc::ServerContext* context, const v1::GetBreakdownRequest* request,
                            v1::GetBreakdownResponse* response) override;
  grpc::Status ListRequests(grpc::ServerContext* context, const v1::ListRequestsRequest* request,
                            v1::ListRequestsResponse* response) override;

 private:
  UsageLedger& ledger_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_SERVICE_STATS_GRPC_SERVICE_H_
