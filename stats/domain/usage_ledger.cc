#include "stats/domain/usage_ledger.h"

#include <utility>

#include "stats/domain/validation.h"

namespace nexus::stats {

UsageLedger::UsageLedger(UsageStore& store, const Clock& clock, absl::Duration log_retention)
    : store_(store), clock_(clock), log_retention_(log_retention) {}

int64_t UsageLedger::OldestAcceptedMs() const {
  if (log_retention_ <= absl::ZeroDuration()) return 0;
  return absl::ToUnixMillis(clock_.Now() - log_retention_);
}

absl::StatusOr<RecordResult> UsageLedger::Record(std::vector<UsageEvent> events) {
  if (absl::Status s = CheckBatchSize(events.size()); !s.ok()) return s;
  const EventLimits limits{.now_ms = absl::ToUnixMillis(clock_.Now()),
                           .oldest_ms = OldestAcceptedMs()};
  RecordResult result;
  std::vector<UsageEvent> valid;
  valid.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (std::optional<std::string> reason = CheckEvent(events[i], limits)) {
      result.rejected.push_back(
          {static_cast<int>(i), std::move(events[i].request_id), std::move(*reason)});
    } else {
      valid.push_back(std::move(events[i]));
    }
  }
  if (valid.empty()) return result;
  absl::StatusOr<std::vector<bool>> stored = store_.Insert(valid);
  if (!stored.ok()) return stored.status();
  for (bool is_new : *stored) ++(is_new ? result.accepted : result.duplicates);
  return result;
}

absl::StatusOr<Totals> UsageLedger::GetTotals(const Filter& filter) {
  if (absl::Status s = CheckFilter(filter); !s.ok()) return s;
  absl::StatusOr<std::vector<BreakdownRow>> rows = store_.Sum(filter, GroupBy::kNone);
  if (!rows.ok()) return rows.status();
  Metrics sum;
  for (const BreakdownRow& row : *rows) sum.Add(row.metrics);
  return TotalsFromMetrics(sum);
}

absl::StatusOr<std::vector<Series>> UsageLedger::GetTimeSeries(const SeriesQuery& query) {
  if (absl::Status s = CheckSeriesQuery(query); !s.ok()) return s;
  return store_.TimeSeries(query);
}

absl::StatusOr<std::vector<BreakdownRow>> UsageLedger::GetBreakdown(BreakdownQuery query) {
  if (absl::Status s = CheckBreakdownQuery(query); !s.ok()) return s;
  absl::StatusOr<std::vector<BreakdownRow>> rows = store_.Sum(query.filter, query.group_by);
  if (!rows.ok()) return rows.status();
  if (rows->size() > static_cast<size_t>(query.limit)) rows->resize(query.limit);
  return rows;
}

absl::StatusOr<RequestPage> UsageLedger::ListRequests(RequestsQuery query) {
  if (absl::Status s = CheckRequestsQuery(query); !s.ok()) return s;
  return store_.ListRequests(query);
}

}  // namespace nexus::stats
