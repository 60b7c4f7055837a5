#include "gateway/http/gateway_metrics.h"

#include <string>

namespace nexus::gateway::http {
namespace {

using nexus::stats::v1::UsageEvent;

std::string_view EndpointName(nexus::stats::v1::Endpoint endpoint) {
  switch (endpoint) {
    case nexus::stats::v1::ENDPOINT_CHAT_COMPLETIONS:
      return "chat_completions";
    case nexus::stats::v1::ENDPOINT_EMBEDDINGS:
      return "embeddings";
    case nexus::stats::v1::ENDPOINT_PLAYGROUND:
      return "playground";
    default:
      return "other";
  }
}

std::string_view SourceName(nexus::stats::v1::TokenSource source) {
  switch (source) {
    case nexus::stats::v1::TOKEN_SOURCE_REPORTED:
      return "reported";
    case nexus::stats::v1::TOKEN_SOURCE_COUNTED:
      return "counted";
    case nexus::stats::v1::TOKEN_SOURCE_ESTIMATED:
      return "estimated";
    default:
      return "none";
  }
}

const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                            5,      10,    30,     60,    120,  300};
const std::vector<double> kOverheadBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.25,   1};

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayMetrics>> GatewayMetrics::Create(
    metrics::MetricsRegistry& registry) {
  std::unique_ptr<GatewayMetrics> m(new GatewayMetrics());
  auto requests = registry.AddCounter("nexus_gateway_requests_total",
                                      "Proxied requests by endpoint, model, provider and status.",
                                      {"endpoint", "model", "provider", "status"});
  auto duration =
      registry.AddHistogram("nexus_gateway_request_duration_seconds",
                            "Total time of proxied requests.", {"endpoint"}, kLatencyBounds);
  auto upstream = registry.AddHistogram("nexus_gateway_upstream_duration_seconds",
                                        "Time spent waiting for upstream providers.", {"provider"},
                                        kLatencyBounds);
  auto overhead = registry.AddHistogram("nexus_gateway_overhead_seconds",
                                        "Time the gateway itself added to a request.", {"endpoint"},
                                        kOverheadBounds);
  auto tokens = registry.AddCounter("nexus_gateway_tokens_total",
                                    "Tokens by model, kind (prompt, completion) and source.",
                                    {"model", "kind", "source"});
  auto streams = registry.AddGauge("nexus_gateway_streams_in_flight",
                                   "Streams currently being relayed to clients.", {});
  for (const absl::Status& s : {requests.status(), duration.status(), upstream.status(),
                                overhead.status(), tokens.status(), streams.status()}) {
    if (!s.ok()) return s;
  }
  m->requests_ = *requests;
  m->duration_ = *duration;
  m->upstream_ = *upstream;
  m->overhead_ = *overhead;
  m->tokens_ = *tokens;
  m->streams_ = &(*streams)->WithLabels({});
  return m;
}

void GatewayMetrics::OnCallFinished(const UsageEvent& event, std::string_view provider_name) {
  std::string status = std::to_string(event.http_status());
  std::string_view endpoint = EndpointName(event.endpoint());
  // A model name is a label only once it was routed (a configured model): before that it is
  // whatever the client sent, which must neither add series without bound nor put client text
  // (a pasted key) into the metrics.
  const std::string_view model = provider_name.empty() ? std::string_view() : event.model();
  requests_->WithLabels({endpoint, model, provider_name, status}).Increment();
  double total = static_cast<double>(event.latency_ms()) / 1000.0;
  double upstream = static_cast<double>(event.upstream_latency_ms()) / 1000.0;
  duration_->WithLabels({endpoint}).Observe(total);
  if (!provider_name.empty()) upstream_->WithLabels({provider_name}).Observe(upstream);
  overhead_->WithLabels({endpoint}).Observe(std::max(0.0, total - upstream));
  std::string_view source = SourceName(event.token_source());
  if (event.prompt_tokens() > 0) {
    tokens_->WithLabels({model, "prompt", source})
        .Increment(static_cast<uint64_t>(event.prompt_tokens()));
  }
  if (event.completion_tokens() > 0) {
    tokens_->WithLabels({model, "completion", source})
        .Increment(static_cast<uint64_t>(event.completion_tokens()));
  }
}

}  // namespace nexus::gateway::http
