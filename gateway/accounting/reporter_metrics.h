#ifndef NEXUS_GATEWAY_ACCOUNTING_REPORTER_METRICS_H_
#define NEXUS_GATEWAY_ACCOUNTING_REPORTER_METRICS_H_

#include "absl/status/status.h"
#include "gateway/accounting/stats_usage_reporter.h"
#include "gateway/metrics/metrics_registry.h"

namespace nexus::gateway {

// Exposes the reporter's counters on /metrics as nexus_usage_events_{queued,sent,spooled,
// replayed,dropped,rejected}_total, nexus_usage_spool_{corrupt_records,errors}_total, and the
// gauges nexus_usage_queue_depth, nexus_usage_spool_bytes and nexus_usage_stats_reachable. The
// values are read at render time; `reporter` must outlive `registry`.
absl::Status RegisterUsageReporterMetrics(const StatsUsageReporter& reporter,
                                          metrics::MetricsRegistry& registry);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_REPORTER_METRICS_H_
