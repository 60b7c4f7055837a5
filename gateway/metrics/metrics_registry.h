#ifndef NEXUS_GATEWAY_METRICS_METRICS_REGISTRY_H_
#define NEXUS_GATEWAY_METRICS_METRICS_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/metrics/family.h"

namespace nexus::gateway::metrics {

// Owns every metric family of a process and renders them for GET /metrics (text format 0.0.4,
// families sorted by name, each with HELP and TYPE). Families are created at startup; the pointers
// returned stay valid for the registry's lifetime. Thread-safe.
//
// Labels carry model names, provider names and status codes only, never keys or other secrets.
class MetricsRegistry {
 public:
  absl::StatusOr<CounterFamily*> AddCounter(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            FamilyOptions options = {});
  absl::StatusOr<GaugeFamily*> AddGauge(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        FamilyOptions options = {});
  // `bounds`: strictly increasing finite upper bounds (seconds for latencies); +Inf is implied.
  absl::StatusOr<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                                std::vector<std::string> label_names,
                                                std::vector<double> bounds,
                                                FamilyOptions options = {});

  // Unlabelled values read when /metrics is rendered (queue depth, in-flight streams, pool
  // saturation). `read` runs on the rendering thread and must be cheap and thread-safe; whatever
  // it captures must outlive the registry.
  absl::Status AddCallbackGauge(std::string name, std::string help, std::function<double()> read);
  // The same for values that only grow (counters kept elsewhere, e.g. by the usage reporter).
  absl::Status AddCallbackCounter(std::string name, std::string help, std::function<double()> read);

  std::string Render() const;

 private:
  absl::Status CheckNew(const std::string& name, const std::vector<std::string>& label_names) const;
  template <typename F>
  absl::StatusOr<F*> Add(std::string name, std::unique_ptr<F> family);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

}  // namespace nexus::gateway::metrics

#endif  // NEXUS_GATEWAY_METRICS_METRICS_REGISTRY_H_
