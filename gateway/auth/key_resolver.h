#ifndef NEXUS_GATEWAY_AUTH_KEY_RESOLVER_H_
#define NEXUS_GATEWAY_AUTH_KEY_RESOLVER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/registry/v1/registry.pb.h"

namespace nexus::gateway {

// What the registry said about a bearer secret.
struct ResolvedKey {
  nexus::registry::v1::ClientKey key;
  // Every enabled model name this key may use, sorted.
  std::vector<std::string> models;
};

// Bearer secret -> client key. UNAUTHENTICATED for a secret the registry does not know;
// UNAVAILABLE when the registry cannot be asked and nothing usable is cached (never a wrong 401).
// Enabled, revoked and expiry are not checked here (see Authorize).
class KeyResolver {
 public:
  virtual ~KeyResolver() = default;
  virtual absl::StatusOr<std::shared_ptr<const ResolvedKey>> Resolve(std::string_view secret) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_KEY_RESOLVER_H_
