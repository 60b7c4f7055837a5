#include "gateway/accounting/reporter_metrics.h"

#include <cstdint>
#include <functional>
#include <string>

namespace nexus::gateway {
namespace {

using Field = std::function<double(const UsageReporterCounters&)>;

struct Exported {
  const char* name;
  const char* help;
  bool counter;
  Field field;
};

}  // namespace

absl::Status RegisterUsageReporterMetrics(const StatsUsageReporter& reporter,
                                          metrics::MetricsRegistry& registry) {
  const Exported exported[] = {
      {"nexus_usage_events_queued_total", "Usage events accepted into the memory queue.", true,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.queued); }},
      {"nexus_usage_events_sent_total", "Usage events acknowledged by stats from the queue.", true,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.sent); }},
      {"nexus_usage_events_spooled_total", "Usage events written to the on-disk spool.", true,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.spooled); }},
      {"nexus_usage_events_replayed_total", "Spooled usage events acknowledged by stats.", true,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.replayed); }},
      {"nexus_usage_events_dropped_total",
       "Usage events lost because the memory queue and the spool were full or the spool failed.",
       true, [](const UsageReporterCounters& c) { return static_cast<double>(c.dropped); }},
      {"nexus_usage_events_rejected_total", "Usage events stats refused as invalid.", true,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.rejected); }},
      {"nexus_usage_spool_corrupt_records_total",
       "Spool records skipped on replay because their checksum failed (torn writes).", true,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.corrupt_records); }},
      {"nexus_usage_spool_errors_total",
       "Spool writes that failed (disk full or I/O error); their events count as dropped.", true,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.spool_errors); }},
      {"nexus_usage_queue_depth", "Usage events waiting in the memory queue.", false,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.queue_depth); }},
      {"nexus_usage_spool_bytes", "Bytes of usage events in the on-disk spool.", false,
       [](const UsageReporterCounters& c) { return static_cast<double>(c.spool_bytes); }},
      {"nexus_usage_stats_reachable", "1 while calls to the stats service succeed, else 0.", false,
       [](const UsageReporterCounters& c) { return c.stats_reachable ? 1.0 : 0.0; }},
  };
  for (const Exported& e : exported) {
    auto read = [&reporter, field = e.field] { return field(reporter.Counters()); };
    absl::Status status = e.counter ? registry.AddCallbackCounter(e.name, e.help, read)
                                    : registry.AddCallbackGauge(e.name, e.help, read);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace nexus::gateway
