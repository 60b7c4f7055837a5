#ifndef NEXUS_STATS_STORE_USAGE_STORE_H_
#define NEXUS_STATS_STORE_USAGE_STORE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "stats/domain/query.h"
#include "stats/domain/usage.h"

namespace nexus::stats {

// Durable storage of usage events: the raw request log plus the rollups that queries read.
// Inputs are already validated (see stats/domain/validation.h).
class UsageStore {
 public:
  virtual ~UsageStore() = default;

  // Stores the events that are new (by request_id) and returns, per event, true when it was
  // stored now and false when it was a duplicate (stored before, or earlier in `events`).
  // Returns only after the transaction committed; on error nothing of `events` is stored.
  virtual absl::StatusOr<std::vector<bool>> Insert(std::span<const UsageEvent> events) = 0;

  // Sums over the filter's range and dimensions, per group ("" without grouping).
  virtual absl::StatusOr<std::vector<BreakdownRow>> Sum(const Filter& filter, GroupBy group_by) = 0;
  virtual absl::StatusOr<std::vector<Series>> TimeSeries(const SeriesQuery& query) = 0;
  virtual absl::StatusOr<RequestPage> ListRequests(const RequestsQuery& query) = 0;

  // Deletes up to `max_rows` raw log rows older than `before_ms`; never touches the rollups.
  // Returns how many rows went.
  virtual absl::StatusOr<int64_t> PruneLog(int64_t before_ms, int max_rows) = 0;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_STORE_H_
