#ifndef NEXUS_STATS_DOMAIN_VALIDATION_H_
#define NEXUS_STATS_DOMAIN_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "stats/domain/query.h"
#include "stats/domain/usage.h"

namespace nexus::stats {

inline constexpr int kMaxBatchEvents = 10'000;
inline constexpr int64_t kMaxTokensPerEvent = 1'000'000'000;
inline constexpr int64_t kMaxLatencyMs = 24 * kHourMs;
// Gateways and this service may disagree a little on the time.
inline constexpr int64_t kMaxFutureSkewMs = 5 * kMinuteMs;
inline constexpr size_t kMaxIdLength = 128;
inline constexpr size_t kMaxNameLength = 256;
inline constexpr int64_t kMaxSeriesBuckets = 10'000;
inline constexpr int kMaxBreakdownLimit = 1000;
inline constexpr int kMaxPageSize = 1000;

struct EventLimits {
  int64_t now_ms = 0;
  // Events older than this cannot be deduplicated any more (their raw rows may be gone), so they
  // are refused rather than risk counting them twice. 0 = no lower bound.
  int64_t oldest_ms = 0;
};

// Checks one event. Returns the reason it is rejected, or nullopt when it may be stored.
// One repair is made in place: total_tokens == 0 with prompt or completion tokens set becomes
// their sum. A total that contradicts a non-zero prompt + completion is rejected (a ledger must
// not guess which number was wrong).
std::optional<std::string> CheckEvent(UsageEvent& event, const EventLimits& limits);

// INVALID_ARGUMENT for an empty batch or one above kMaxBatchEvents.
absl::Status CheckBatchSize(size_t events);

// INVALID_ARGUMENT when a query is malformed: end before start, negative times, unknown enum
// values, too many buckets, a limit or page size out of range.
absl::Status CheckFilter(const Filter& filter);
absl::Status CheckSeriesQuery(const SeriesQuery& query);
absl::Status CheckBreakdownQuery(BreakdownQuery& query);  // fills the default limit
absl::Status CheckRequestsQuery(RequestsQuery& query);    // fills the default page size

}  // namespace nexus::stats

#endif  // NEXUS_STATS_DOMAIN_VALIDATION_H_
