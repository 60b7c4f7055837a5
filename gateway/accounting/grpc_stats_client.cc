#include "gateway/accounting/grpc_stats_client.h"

#include <grpcpp/grpcpp.h>

#include "services/grpc/channel_factory.h"
#include "services/status/status_map.h"

namespace nexus::gateway {
namespace {

using nexus::stats::v1::RecordUsageRequest;
using nexus::stats::v1::RecordUsageResponse;
using nexus::stats::v1::Stats;

class GrpcUsageCall : public UsageCall {
 public:
  GrpcUsageCall(std::shared_ptr<Stats::StubInterface> stub, absl::Duration timeout)
      : stub_(std::move(stub)) {
    grpc_runtime::SetDeadline(context_, timeout);
  }

  absl::StatusOr<RecordUsageResponse> Run(const RecordUsageRequest& request) override {
    RecordUsageResponse response;
    const grpc::Status status = stub_->RecordUsage(&context_, request, &response);
    if (!status.ok()) return status::FromGrpc(status);
    return response;
  }

  // A cancel before the call starts is remembered by the context and applied when it starts.
  void Cancel() override { context_.TryCancel(); }

 private:
  const std::shared_ptr<Stats::StubInterface> stub_;
  grpc::ClientContext context_;
};

}  // namespace

GrpcStatsClient::GrpcStatsClient(std::shared_ptr<Stats::StubInterface> stub)
    : stub_(std::move(stub)) {}

std::unique_ptr<UsageCall> GrpcStatsClient::RecordUsage(absl::Duration timeout) {
  return std::make_unique<GrpcUsageCall>(stub_, timeout);
}

}  // namespace nexus::gateway
