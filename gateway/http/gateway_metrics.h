#ifndef NEXUS_GATEWAY_HTTP_GATEWAY_METRICS_H_
#define NEXUS_GATEWAY_HTTP_GATEWAY_METRICS_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/metrics/metrics_registry.h"
#include "gateway/pipeline/call_observer.h"

namespace nexus::gateway::http {

// The gateway's request metrics, fed by the pipeline: requests by endpoint, model, provider and
// status; total, upstream and overhead latency; tokens by kind and source; streams in flight.
class GatewayMetrics : public CallObserver {
 public:
  // Registers the families on `registry`, which must outlive this object.
  static absl::StatusOr<std::unique_ptr<GatewayMetrics>> Create(metrics::MetricsRegistry& registry);

  void OnCallFinished(const nexus::stats::v1::UsageEvent& event,
                      std::string_view provider_name) override;
  void OnStreamStarted() override { streams_->Add(1); }
  void OnStreamEnded() override { streams_->Sub(1); }

 private:
  GatewayMetrics() = default;

  metrics::CounterFamily* requests_ = nullptr;
  metrics::HistogramFamily* duration_ = nullptr;
  metrics::HistogramFamily* upstream_ = nullptr;
  metrics::HistogramFamily* overhead_ = nullptr;
  metrics::CounterFamily* tokens_ = nullptr;
  metrics::Gauge* streams_ = nullptr;
};

}  // namespace nexus::gateway::http

#endif  // NEXUS_GATEWAY_HTTP_GATEWAY_METRICS_H_
