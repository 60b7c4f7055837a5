#ifndef NEXUS_STATS_DOMAIN_USAGE_LEDGER_H_
#define NEXUS_STATS_DOMAIN_USAGE_LEDGER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/clock/clock.h"
#include "stats/domain/query.h"
#include "stats/domain/usage.h"
#include "stats/store/usage_store.h"

namespace nexus::stats {

// The stats service's rules on top of a UsageStore: validates every event and query, keeps bad
// events from poisoning good ones, and turns rollup sums into totals with percentiles.
class UsageLedger {
 public:
  // `log_retention` is how long raw rows are kept (zero = forever); events older than that are
  // refused because their duplicates could no longer be recognised.
  UsageLedger(UsageStore& store, const Clock& clock, absl::Duration log_retention);

  // INVALID_ARGUMENT for an empty or oversized batch; otherwise stores the valid events and
  // lists the rejected ones with their reasons.
  absl::StatusOr<RecordResult> Record(std::vector<UsageEvent> events);

  absl::StatusOr<Totals> GetTotals(const Filter& filter);
  absl::StatusOr<std::vector<Series>> GetTimeSeries(const SeriesQuery& query);
  // Top groups by total tokens.
  absl::StatusOr<std::vector<BreakdownRow>> GetBreakdown(BreakdownQuery query);
  absl::StatusOr<RequestPage> ListRequests(RequestsQuery query);

  // Oldest timestamp an event may carry now (0 = no bound).
  int64_t OldestAcceptedMs() const;

 private:
  UsageStore& store_;
  const Clock& clock_;
  absl::Duration log_retention_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_DOMAIN_USAGE_LEDGER_H_
