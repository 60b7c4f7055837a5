#ifndef NEXUS_REGISTRY_CTL_FORMAT_H_
#define NEXUS_REGISTRY_CTL_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nexus::ctl {

// "2026-11-26 05:52 UTC"; `zero_text` for 0.
std::string FormatTimeMs(int64_t unix_ms, std::string_view zero_text = "-");

// An expiry given on the command line: "never" or "0" (0), a duration from now ("30d", "12h",
// "90m"), a date ("2027-01-31", midnight UTC) or an RFC 3339 time.
absl::StatusOr<int64_t> ParseExpiry(std::string_view text, absl::Time now);

std::string YesNo(bool value);

}  // namespace nexus::ctl

#endif  // NEXUS_REGISTRY_CTL_FORMAT_H_
