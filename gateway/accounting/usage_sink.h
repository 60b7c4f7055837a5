#ifndef NEXUS_GATEWAY_ACCOUNTING_USAGE_SINK_H_
#define NEXUS_GATEWAY_ACCOUNTING_USAGE_SINK_H_

#include "nexus/stats/v1/stats.pb.h"

namespace nexus::gateway {

// Where the gateway sends one usage event per request. Record never blocks the response path and
// never fails from the caller's point of view: delivery, retries and spooling are the sink's job.
class UsageSink {
 public:
  virtual ~UsageSink() = default;
  virtual void Record(nexus::stats::v1::UsageEvent event) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_USAGE_SINK_H_
