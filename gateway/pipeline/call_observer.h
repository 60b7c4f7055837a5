#ifndef NEXUS_GATEWAY_PIPELINE_CALL_OBSERVER_H_
#define NEXUS_GATEWAY_PIPELINE_CALL_OBSERVER_H_

#include <string_view>

#include "nexus/stats/v1/stats.pb.h"

namespace nexus::gateway {

// Watches calls as they finish, for metrics. Called on the request thread; must be cheap.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Once per proxied call, with the usage event that was recorded for it (or would have been, for
  // calls that never reached accounting) and the name of the provider that served it ("" if none).
  virtual void OnCallFinished(const nexus::stats::v1::UsageEvent& event,
                              std::string_view provider_name) = 0;
  // A stream to a client started / ended (in-flight streams).
  virtual void OnStreamStarted() = 0;
  virtual void OnStreamEnded() = 0;
};

// For tests and tools that do not export metrics.
class NoCallObserver : public CallObserver {
 public:
  void OnCallFinished(const nexus::stats::v1::UsageEvent&, std::string_view) override {}
  void OnStreamStarted() override {}
  void OnStreamEnded() override {}
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_CALL_OBSERVER_H_
