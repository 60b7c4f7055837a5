#ifndef NEXUS_SERVICES_STRINGS_HEADER_TOKENS_H_
#define NEXUS_SERVICES_STRINGS_HEADER_TOKENS_H_

#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "services/strings/absl_view.h"

namespace nexus {

// Whether a comma-separated HTTP header value (Connection, Upgrade, ...) lists `token`, compared
// without regard to case or surrounding blanks.
inline bool HeaderListHasToken(std::string_view value, std::string_view token) {
  for (absl::string_view part : absl::StrSplit(Av(value), ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(part), Av(token))) return true;
  }
  return false;
}

}  // namespace nexus

#endif  // NEXUS_SERVICES_STRINGS_HEADER_TOKENS_H_
