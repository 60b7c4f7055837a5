#include "gateway/admin/admin_query.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::admin {
namespace {

namespace sv1 = nexus::stats::v1;

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(Av(field), ": ", Av(problem)));
}

// At most this many buckets in one chart before a coarser bucket is chosen.
constexpr int64_t kMaxAutoBuckets = 360;

const std::string* Single(const QueryParams& query, std::string_view name) {
  auto it = query.find(std::string(name));
  return it == query.end() ? nullptr : &it->second;
}

}  // namespace

absl::StatusOr<PageParams> ParsePage(const QueryParams& query) {
  PageParams page;
  if (const std::string* limit = Single(query, "limit")) {
    int32_t value = 0;
    if (!absl::SimpleAtoi(Av(*limit), &value) || value < 1 || value > 1000) {
      return Invalid("limit", "must be an integer from 1 to 1000");
    }
    page.limit = value;
  }
  if (const std::string* cursor = Single(query, "cursor")) page.cursor = *cursor;
  return page;
}

std::vector<std::string> Values(const QueryParams& query, std::string_view name) {
  std::vector<std::string> out;
  auto [begin, end] = query.equal_range(std::string(name));
  for (auto it = begin; it != end; ++it) {
    for (absl::string_view part : absl::StrSplit(it->second, ',', absl::SkipWhitespace())) {
      out.emplace_back(part);
    }
  }
  return out;
}

absl::StatusOr<int64_t> ParseTimeMs(std::string_view field, std::string_view text) {
  int64_t ms = 0;
  if (absl::SimpleAtoi(Av(text), &ms)) {
    if (ms < 0) return Invalid(field, "must not be negative");
    return ms;
  }
  absl::Time time;
  std::string error;
  // ParseTime also takes "infinite-past" / "infinite-future"; those and times before 1970 are
  // refused like negative milliseconds (arithmetic on them would overflow).
  if (!absl::ParseTime(absl::RFC3339_full, Av(text), &time, &error) ||
      time == absl::InfiniteFuture()) {
    return Invalid(field, "must be Unix milliseconds or an RFC 3339 time");
  }
  if (time < absl::UnixEpoch()) return Invalid(field, "must not be before 1970");
  return absl::ToUnixMillis(time);
}

absl::Status ParseFilter(const QueryParams& query, int64_t now_ms, absl::Duration default_range,
                         sv1::Filter& out) {
  int64_t end_ms = now_ms;
  if (const std::string* end = Single(query, "end")) {
    absl::StatusOr<int64_t> parsed = ParseTimeMs("end", *end);
    if (!parsed.ok()) return parsed.status();
    end_ms = *parsed;
  }
  int64_t start_ms = end_ms - absl::ToInt64Milliseconds(default_range);
  if (const std::string* start = Single(query, "start")) {
    absl::StatusOr<int64_t> parsed = ParseTimeMs("start", *start);
    if (!parsed.ok()) return parsed.status();
    start_ms = *parsed;
  }
  // Clamped before the check, so that an end at 0 cannot yield the empty range [0, 0).
  if (start_ms < 0) start_ms = 0;
  if (start_ms >= end_ms) return Invalid("start", "must be before end");
  out.set_start_ms(start_ms);
  out.set_end_ms(end_ms);
  for (const std::string& value : Values(query, "provider")) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(value, &id) || id <= 0)
      return Invalid("provider", "must be provider ids");
    out.add_provider_ids(id);
  }
  for (const std::string& value : Values(query, "key")) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(value, &id) || id <= 0) return Invalid("key", "must be key ids");
    out.add_key_ids(id);
  }
  for (const std::string& value : Values(query, "model")) out.add_models(value);
  return absl::OkStatus();
}

absl::StatusOr<sv1::Bucket> ParseBucket(const QueryParams& query, const sv1::Filter& filter) {
  const std::string* bucket = Single(query, "bucket");
  if (bucket == nullptr || bucket->empty() || *bucket == "auto") {
    const int64_t span = filter.end_ms() - filter.start_ms();
    if (span <= kMaxAutoBuckets * 60'000) return sv1::BUCKET_MINUTE;
    if (span <= kMaxAutoBuckets * 3'600'000) return sv1::BUCKET_HOUR;
    return sv1::BUCKET_DAY;
  }
  if (*bucket == "minute") return sv1::BUCKET_MINUTE;
  if (*bucket == "hour") return sv1::BUCKET_HOUR;
  if (*bucket == "day") return sv1::BUCKET_DAY;
  return Invalid("bucket", "must be minute, hour, day or auto");
}

absl::StatusOr<sv1::GroupBy> ParseGroupBy(const QueryParams& query) {
  const std::string* group = Single(query, "group_by");
  if (group == nullptr || group->empty() || *group == "none") return sv1::GROUP_BY_NONE;
  if (*group == "provider") return sv1::GROUP_BY_PROVIDER;
  if (*group == "model") return sv1::GROUP_BY_MODEL;
  if (*group == "key") return sv1::GROUP_BY_KEY;
  return Invalid("group_by", "must be none, provider, model or key");
}

}  // namespace nexus::gateway::admin
