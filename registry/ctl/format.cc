#include "registry/ctl/format.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "registry/ctl/args.h"
#include "services/strings/absl_view.h"

namespace nexus::ctl {

std::string FormatTimeMs(int64_t unix_ms, std::string_view zero_text) {
  if (unix_ms == 0) return std::string(zero_text);
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

absl::StatusOr<int64_t> ParseExpiry(std::string_view text, absl::Time now) {
  if (text == "never" || text == "0") return 0;
  if (text.size() > 1 && text.back() == 'd') {
    int64_t days = 0;
    if (absl::SimpleAtoi(Av(text.substr(0, text.size() - 1)), &days) && days > 0 && days < 100000) {
      return absl::ToUnixMillis(now + absl::Hours(24 * days));
    }
  }
  absl::Duration duration;
  if (absl::ParseDuration(Av(text), &duration) && duration > absl::ZeroDuration()) {
    return absl::ToUnixMillis(now + duration);
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", Av(text), absl::UTCTimeZone(), &time, &error) ||
      absl::ParseTime(absl::RFC3339_full, Av(text), &time, &error)) {
    return absl::ToUnixMillis(time);
  }
  return UsageError(absl::StrCat("--expires: '", Av(text),
                                 "' is not 'never', a duration such as 30d or 12h, a date "
                                 "such as 2027-01-31, or an RFC 3339 time"));
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

}  // namespace nexus::ctl
