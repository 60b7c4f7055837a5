#ifndef NEXUS_GATEWAY_METRICS_EXPOSITION_H_
#define NEXUS_GATEWAY_METRICS_EXPOSITION_H_

#include <string>
#include <string_view>

// Helpers for the Prometheus text exposition format 0.0.4.
namespace nexus::gateway::metrics {

// The Content-Type header value for /metrics.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Label values escape backslash, double quote and line feed; bytes that are not valid UTF-8 become
// U+FFFD so that one hostile value cannot make the whole page unparseable.
void AppendEscapedLabelValue(std::string_view value, std::string* out);
// HELP text escapes backslash and line feed.
void AppendEscapedHelp(std::string_view help, std::string* out);
// Shortest text that reads back as the same double; "+Inf", "-Inf" and "NaN" as the format wants.
void AppendValue(double value, std::string* out);

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);
// Label names: [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved), and not "le".
bool IsValidLabelName(std::string_view name);

}  // namespace nexus::gateway::metrics

#endif  // NEXUS_GATEWAY_METRICS_EXPOSITION_H_
