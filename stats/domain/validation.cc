#include "stats/domain/validation.h"

#include "absl/strings/str_cat.h"

namespace nexus::stats {
namespace {

std::optional<std::string> CheckCount(const char* name, int64_t value, int64_t max) {
  if (value < 0) return absl::StrCat(name, " is negative (", value, ")");
  if (value > max) return absl::StrCat(name, " is ", value, ", above the limit of ", max);
  return std::nullopt;
}

std::optional<std::string> CheckText(const char* name, const std::string& value, size_t max) {
  if (value.size() > max) {
    return absl::StrCat(name, " is ", value.size(), " bytes long, at most ", max, " allowed");
  }
  return std::nullopt;
}

std::optional<std::string> CheckTimestamp(int64_t t, const EventLimits& limits) {
  if (t <= 0) return absl::StrCat("timestamp_ms must be a positive Unix time, got ", t);
  if (t > limits.now_ms + kMaxFutureSkewMs) {
    return absl::StrCat("timestamp_ms ", t, " is more than 5 minutes in the future");
  }
  if (limits.oldest_ms > 0 && t < limits.oldest_ms) {
    return absl::StrCat("timestamp_ms ", t,
                        " is older than the request log retention (oldest accepted ",
                        limits.oldest_ms, "); it could not be deduplicated");
  }
  return std::nullopt;
}

std::optional<std::string> CheckTokens(UsageEvent& e) {
  if (auto r = CheckCount("prompt_tokens", e.prompt_tokens, kMaxTokensPerEvent)) return r;
  if (auto r = CheckCount("completion_tokens", e.completion_tokens, kMaxTokensPerEvent)) return r;
  if (auto r = CheckCount("total_tokens", e.total_tokens, 2 * kMaxTokensPerEvent)) return r;
  int64_t sum = e.prompt_tokens + e.completion_tokens;
  if (e.total_tokens == 0) {
    e.total_tokens = sum;
  } else if (sum != 0 && e.total_tokens != sum) {
    return absl::StrCat("total_tokens ", e.total_tokens, " != prompt_tokens + completion_tokens ",
                        sum);
  }
  return std::nullopt;
}

std::optional<std::string> CheckEnumsAndStatus(const UsageEvent& e) {
  if (e.token_source < 0 || e.token_source > kMaxTokenSource) {
    return absl::StrCat("unknown token_source ", e.token_source);
  }
  if (e.endpoint < 0 || e.endpoint > kMaxEndpoint) {
    return absl::StrCat("unknown endpoint ", e.endpoint);
  }
  if (e.http_status != 0 && (e.http_status < 100 || e.http_status > 599)) {
    return absl::StrCat("http_status ", e.http_status, " is not an HTTP status");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CheckEvent(UsageEvent& e, const EventLimits& limits) {
  if (e.request_id.empty()) return "request_id is missing";
  if (auto r = CheckText("request_id", e.request_id, kMaxIdLength)) return r;
  if (auto r = CheckText("conversation_id", e.conversation_id, kMaxIdLength)) return r;
  if (auto r = CheckText("model", e.model, kMaxNameLength)) return r;
  if (auto r = CheckText("upstream_model", e.upstream_model, kMaxNameLength)) return r;
  if (auto r = CheckText("error_type", e.error_type, kMaxNameLength)) return r;
  if (e.key_id < 0) return absl::StrCat("key_id is negative (", e.key_id, ")");
  if (e.provider_id < 0) return absl::StrCat("provider_id is negative (", e.provider_id, ")");
  if (auto r = CheckTimestamp(e.timestamp_ms, limits)) return r;
  if (auto r = CheckTokens(e)) return r;
  if (auto r = CheckEnumsAndStatus(e)) return r;
  if (auto r = CheckCount("latency_ms", e.latency_ms, kMaxLatencyMs)) return r;
  if (auto r = CheckCount("time_to_first_token_ms", e.time_to_first_token_ms, kMaxLatencyMs)) {
    return r;
  }
  if (auto r = CheckCount("upstream_latency_ms", e.upstream_latency_ms, kMaxLatencyMs)) return r;
  return std::nullopt;
}

absl::Status CheckBatchSize(size_t events) {
  if (events == 0) return absl::InvalidArgumentError("the batch holds no events");
  if (events > static_cast<size_t>(kMaxBatchEvents)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the batch holds ", events, " events, at most ", kMaxBatchEvents, " allowed"));
  }
  return absl::OkStatus();
}

absl::Status CheckFilter(const Filter& f) {
  if (f.start_ms < 0 || f.end_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat("range times must not be negative (start_ms ",
                                                   f.start_ms, ", end_ms ", f.end_ms, ")"));
  }
  if (f.end_ms < f.start_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("end_ms ", f.end_ms, " is before start_ms ", f.start_ms));
  }
  for (const std::string& model : f.models) {
    if (model.size() > kMaxNameLength) {
      return absl::InvalidArgumentError("a model filter is longer than 256 bytes");
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status CheckGroupBy(GroupBy g, bool allow_none) {
  int v = static_cast<int>(g);
  if (v < 0 || v > static_cast<int>(GroupBy::kKey)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown group_by ", v));
  }
  if (!allow_none && g == GroupBy::kNone) {
    return absl::InvalidArgumentError("group_by is required (provider, model or key)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSeriesQuery(const SeriesQuery& q) {
  if (absl::Status s = CheckFilter(q.filter); !s.ok()) return s;
  if (absl::Status s = CheckGroupBy(q.group_by, true); !s.ok()) return s;
  int64_t width = BucketWidthMs(q.bucket);
  if (width == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bucket must be minute, hour or day, got ", static_cast<int>(q.bucket)));
  }
  int64_t first = FloorTo(q.filter.start_ms, width);
  int64_t buckets = (q.filter.end_ms - first + width - 1) / width;
  if (buckets > kMaxSeriesBuckets) {
    return absl::InvalidArgumentError(absl::StrCat("the range spans ", buckets,
                                                   " buckets, at most ", kMaxSeriesBuckets,
                                                   " allowed; use a wider bucket"));
  }
  return absl::OkStatus();
}

absl::Status CheckBreakdownQuery(BreakdownQuery& q) {
  if (absl::Status s = CheckFilter(q.filter); !s.ok()) return s;
  if (absl::Status s = CheckGroupBy(q.group_by, false); !s.ok()) return s;
  if (q.limit == 0) q.limit = 10;
  if (q.limit < 0 || q.limit > kMaxBreakdownLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxBreakdownLimit, ", got ", q.limit));
  }
  return absl::OkStatus();
}

absl::Status CheckRequestsQuery(RequestsQuery& q) {
  if (absl::Status s = CheckFilter(q.filter); !s.ok()) return s;
  if (q.page_size == 0) q.page_size = 100;
  if (q.page_size < 0 || q.page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must be 1..", kMaxPageSize, ", got ", q.page_size));
  }
  return absl::OkStatus();
}

}  // namespace nexus::stats
