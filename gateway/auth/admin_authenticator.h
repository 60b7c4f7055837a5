#ifndef NEXUS_GATEWAY_AUTH_ADMIN_AUTHENTICATOR_H_
#define NEXUS_GATEWAY_AUTH_ADMIN_AUTHENTICATOR_H_

#include <string_view>

#include "absl/status/status.h"

namespace nexus::gateway {

// Checks the admin token of the console and the admin REST API. OK, UNAUTHENTICATED (wrong or
// missing token; client keys never pass) or UNAVAILABLE (registry unreachable, nothing cached).
class AdminAuthenticator {
 public:
  virtual ~AdminAuthenticator() = default;
  virtual absl::Status Check(std::string_view token) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_ADMIN_AUTHENTICATOR_H_
