#ifndef NEXUS_GATEWAY_ACCOUNTING_STATS_CLIENT_H_
#define NEXUS_GATEWAY_ACCOUNTING_STATS_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nexus/stats/v1/stats.pb.h"

namespace nexus::gateway {

// One RecordUsage call. Cancel may come from any thread, before or while Run waits; the call then
// ends with CANCELLED.
class UsageCall {
 public:
  virtual ~UsageCall() = default;
  virtual absl::StatusOr<nexus::stats::v1::RecordUsageResponse> Run(
      const nexus::stats::v1::RecordUsageRequest& request) = 0;
  virtual void Cancel() = 0;
};

// The stats call the usage reporter makes. Statuses carry the stats service's codes unchanged.
// The production implementation is GrpcStatsClient; the reporter's concurrency is tested against
// an in-memory one. Thread-safe.
class StatsClient {
 public:
  virtual ~StatsClient() = default;
  // Nothing is sent before Run.
  virtual std::unique_ptr<UsageCall> RecordUsage(absl::Duration timeout) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_STATS_CLIENT_H_
