#ifndef NEXUS_GATEWAY_ADMIN_ADMIN_QUERY_H_
#define NEXUS_GATEWAY_ADMIN_ADMIN_QUERY_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nexus/stats/v1/stats.pb.h"

// Query-string parsing of the admin API: pagination and statistics filters.
namespace nexus::gateway::admin {

using QueryParams = std::multimap<std::string, std::string>;

struct PageParams {
  int32_t limit = 100;
  std::string cursor;
};

// ?limit= (1..1000, default 100) and ?cursor=.
absl::StatusOr<PageParams> ParsePage(const QueryParams& query);

// Every value of a parameter, comma-separated lists split, empty items dropped.
std::vector<std::string> Values(const QueryParams& query, std::string_view name);

// A point in time: Unix milliseconds or RFC 3339 ("2026-01-02T03:04:05Z").
absl::StatusOr<int64_t> ParseTimeMs(std::string_view field, std::string_view text);

// ?start=&end= (default: the `default_range` before now), ?provider=&model=&key= (repeatable or
// comma-separated; provider and key take ids).
absl::Status ParseFilter(const QueryParams& query, int64_t now_ms, absl::Duration default_range,
                         nexus::stats::v1::Filter& out);

// ?bucket=minute|hour|day; absent: chosen from the range so that a chart has a sensible number of
// points.
absl::StatusOr<nexus::stats::v1::Bucket> ParseBucket(const QueryParams& query,
                                                     const nexus::stats::v1::Filter& filter);

// ?group_by=none|provider|model|key.
absl::StatusOr<nexus::stats::v1::GroupBy> ParseGroupBy(const QueryParams& query);

}  // namespace nexus::gateway::admin

#endif  // NEXUS_GATEWAY_ADMIN_ADMIN_QUERY_H_
