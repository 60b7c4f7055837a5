#ifndef NEXUS_REGISTRY_CTL_LOOKUP_H_
#define NEXUS_REGISTRY_CTL_LOOKUP_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/registry/v1/registry.pb.h"
#include "registry/ctl/ctl_context.h"

namespace nexus::ctl {

// A positive id typed on the command line; `what` names it in the usage error.
absl::StatusOr<int64_t> ParseId(std::string_view text, std::string_view what);

// Every provider, following pages.
absl::StatusOr<std::vector<nexus::registry::v1::Provider>> ListAllProviders(CtlContext& context);

// A provider given by id or by name.
absl::StatusOr<int64_t> ResolveProvider(CtlContext& context, std::string_view id_or_name);

}  // namespace nexus::ctl

#endif  // NEXUS_REGISTRY_CTL_LOOKUP_H_
