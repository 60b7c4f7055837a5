#ifndef NEXUS_GATEWAY_ACCOUNTING_GRPC_STATS_CLIENT_H_
#define NEXUS_GATEWAY_ACCOUNTING_GRPC_STATS_CLIENT_H_

#include <memory>

#include "gateway/accounting/stats_client.h"
#include "nexus/stats/v1/stats.grpc.pb.h"

namespace nexus::gateway {

// StatsClient over the stats service's gRPC API; cancellation is ClientContext::TryCancel.
class GrpcStatsClient : public StatsClient {
 public:
  explicit GrpcStatsClient(std::shared_ptr<nexus::stats::v1::Stats::StubInterface> stub);

  std::unique_ptr<UsageCall> RecordUsage(absl::Duration timeout) override;

 private:
  const std::shared_ptr<nexus::stats::v1::Stats::StubInterface> stub_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_GRPC_STATS_CLIENT_H_
