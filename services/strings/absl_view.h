#ifndef NEXUS_SERVICES_STRINGS_ABSL_VIEW_H_
#define NEXUS_SERVICES_STRINGS_ABSL_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace nexus {

// Debian's Abseil has its own absl::string_view, which std::string_view does not convert to.
// Our interfaces take std::string_view; this bridges them to absl::StrCat and friends.
inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view Sv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace nexus

#endif  // NEXUS_SERVICES_STRINGS_ABSL_VIEW_H_
