#ifndef NEXUS_STATS_DOMAIN_USAGE_H_
#define NEXUS_STATS_DOMAIN_USAGE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace nexus::stats {

// Mirrors nexus.stats.v1.TokenSource; stored as its number.
enum class TokenSource : int {
  kUnspecified = 0,
  kReported = 1,
  kCounted = 2,
  kEstimated = 3,
  kNone = 4
};
inline constexpr int kMaxTokenSource = 4;

// Mirrors nexus.stats.v1.Endpoint; stored as its number.
enum class Endpoint : int {
  kUnspecified = 0,
  kChatCompletions = 1,
  kEmbeddings = 2,
  kPlayground = 3
};
inline constexpr int kMaxEndpoint = 3;

// One call that passed the gateway. Times are Unix milliseconds (UTC). Enum fields are kept as
// raw numbers until validation, because the wire may carry values this build does not know.
struct UsageEvent {
  std::string request_id{};
  int64_t timestamp_ms = 0;
  int64_t key_id = 0;
  int64_t provider_id = 0;
  std::string model{};
  std::string upstream_model{};
  std::string conversation_id{};
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  int token_source = 0;
  bool streamed = false;
  int endpoint = 0;
  int http_status = 0;
  std::string error_type{};
  int64_t latency_ms = 0;
  int64_t time_to_first_token_ms = 0;
  int64_t upstream_latency_ms = 0;
};

// An event counts as an error when the client did not get a 2xx/3xx answer or an error type was
// recorded (a stream that failed after its 200 header).
inline bool IsError(const UsageEvent& e) { return e.http_status >= 400 || !e.error_type.empty(); }

struct RejectedEvent {
  int index = 0;
  std::string request_id{};
  std::string reason{};
};

struct RecordResult {
  int accepted = 0;
  int duplicates = 0;
  std::vector<RejectedEvent> rejected{};
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_DOMAIN_USAGE_H_
