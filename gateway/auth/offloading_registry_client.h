#ifndef NEXUS_GATEWAY_AUTH_OFFLOADING_REGISTRY_CLIENT_H_
#define NEXUS_GATEWAY_AUTH_OFFLOADING_REGISTRY_CLIENT_H_

#include <memory>
#include <string_view>

#include "gateway/auth/registry_client.h"

namespace nexus::gateway {

// A RegistryClient whose blocking calls run off the connection fiber that makes them (see
// gateway/io/fiber.h): a cache miss waits for the registry, possibly for a whole timeout while
// it is down, without stalling the other connections of that event loop. Off a fiber the calls
// go straight through.
class OffloadingRegistryClient : public RegistryClient {
 public:
  explicit OffloadingRegistryClient(std::shared_ptr<RegistryClient> inner);

  absl::StatusOr<nexus::registry::v1::ResolveKeyResponse> ResolveKey(
      std::string_view secret, absl::Duration timeout) override;
  absl::StatusOr<bool> CheckAdminToken(std::string_view token, absl::Duration timeout) override;
  std::unique_ptr<RoutesCall> ListRoutes(absl::Duration timeout) override;
  // The watch stream is read by the watcher's own thread: passed through.
  std::unique_ptr<ChangeStream> Watch() override;

 private:
  std::shared_ptr<RegistryClient> inner_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_OFFLOADING_REGISTRY_CLIENT_H_
