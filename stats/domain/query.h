#ifndef NEXUS_STATS_DOMAIN_QUERY_H_
#define NEXUS_STATS_DOMAIN_QUERY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stats/domain/latency_histogram.h"
#include "stats/domain/usage.h"

namespace nexus::stats {

// Half-open time range [start_ms, end_ms) in Unix milliseconds, UTC, plus optional dimension
// filters (empty = any).
struct Filter {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::vector<int64_t> provider_ids{};
  std::vector<std::string> models{};
  std::vector<int64_t> key_ids{};

  bool HasDimensionFilter() const {
    return !provider_ids.empty() || !models.empty() || !key_ids.empty();
  }
};

enum class Bucket : int { kUnspecified = 0, kMinute = 1, kHour = 2, kDay = 3 };
enum class GroupBy : int { kNone = 0, kProvider = 1, kModel = 2, kKey = 3 };

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 3'600'000;
inline constexpr int64_t kDayMs = 86'400'000;

// Additive counters: what the rollups hold for each bucket × provider × model × key.
struct Metrics {
  int64_t requests = 0;
  // Conversations whose first request (earliest timestamp) is counted here.
  int64_t new_conversations = 0;
  int64_t rounds = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  int64_t errors = 0;
  LatencyHistogram latency{};

  void Add(const Metrics& other);
  // Counts one stored event (`starts_conversation` when it is its conversation's first request).
  void AddEvent(const UsageEvent& event, bool starts_conversation);
};

struct Totals {
  int64_t requests = 0;
  int64_t conversations = 0;
  int64_t rounds = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  int64_t errors = 0;
  int64_t latency_p50_ms = 0;
  int64_t latency_p90_ms = 0;
  int64_t latency_p99_ms = 0;
};

Totals TotalsFromMetrics(const Metrics& metrics);

struct SeriesPoint {
  int64_t bucket_start_ms = 0;
  Metrics metrics{};
};

struct Series {
  std::string group{};
  std::vector<SeriesPoint> points{};  // ascending, only non-empty buckets
};

struct BreakdownRow {
  std::string group{};
  Metrics metrics{};
};

struct RequestPage {
  std::vector<UsageEvent> events{};  // newest first
  std::string next_page_token{};     // empty on the last page
};

struct SeriesQuery {
  Filter filter{};
  Bucket bucket = Bucket::kUnspecified;
  GroupBy group_by = GroupBy::kNone;
};

struct BreakdownQuery {
  Filter filter{};
  GroupBy group_by = GroupBy::kNone;
  int limit = 10;
};

struct RequestsQuery {
  Filter filter{};
  int page_size = 100;
  std::string page_token{};
};

int64_t BucketWidthMs(Bucket bucket);
// Start of the bucket of width `width_ms` containing `t_ms` (floor, also for negative times).
int64_t FloorTo(int64_t t_ms, int64_t width_ms);

}  // namespace nexus::stats

#endif  // NEXUS_STATS_DOMAIN_QUERY_H_
