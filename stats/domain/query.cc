#include "stats/domain/query.h"

namespace nexus::stats {

void Metrics::Add(const Metrics& other) {
  requests += other.requests;
  new_conversations += other.new_conversations;
  rounds += other.rounds;
  prompt_tokens += other.prompt_tokens;
  completion_tokens += other.completion_tokens;
  total_tokens += other.total_tokens;
  errors += other.errors;
  for (int i = 0; i < kLatencyBuckets; ++i) latency[i] += other.latency[i];
}

void Metrics::AddEvent(const UsageEvent& event, bool starts_conversation) {
  ++requests;
  if (starts_conversation) ++new_conversations;
  if (!event.conversation_id.empty()) ++rounds;
  prompt_tokens += event.prompt_tokens;
  completion_tokens += event.completion_tokens;
  total_tokens += event.total_tokens;
  if (IsError(event)) ++errors;
  ++latency[LatencyBucket(event.latency_ms)];
}

Totals TotalsFromMetrics(const Metrics& m) {
  return Totals{.requests = m.requests,
                .conversations = m.new_conversations,
                .rounds = m.rounds,
                .prompt_tokens = m.prompt_tokens,
                .completion_tokens = m.completion_tokens,
                .total_tokens = m.total_tokens,
                .errors = m.errors,
                .latency_p50_ms = LatencyPercentile(m.latency, 0.50),
                .latency_p90_ms = LatencyPercentile(m.latency, 0.90),
                .latency_p99_ms = LatencyPercentile(m.latency, 0.99)};
}

int64_t BucketWidthMs(Bucket bucket) {
  switch (bucket) {
    case Bucket::kMinute:
      return kMinuteMs;
    case Bucket::kHour:
      return kHourMs;
    case Bucket::kDay:
      return kDayMs;
    case Bucket::kUnspecified:
      break;
  }
  return 0;
}

int64_t FloorTo(int64_t t_ms, int64_t width_ms) {
  int64_t r = t_ms % width_ms;
  return r < 0 ? t_ms - r - width_ms : t_ms - r;
}

}  // namespace nexus::stats
