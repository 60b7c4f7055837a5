#ifndef NEXUS_GATEWAY_AUTH_GRPC_REGISTRY_CLIENT_H_
#define NEXUS_GATEWAY_AUTH_GRPC_REGISTRY_CLIENT_H_

#include <memory>

#include "gateway/auth/registry_client.h"
#include "nexus/registry/v1/registry.grpc.pb.h"

namespace nexus::gateway {

// RegistryClient over the registry's gRPC API; cancellation is ClientContext::TryCancel.
class GrpcRegistryClient : public RegistryClient {
 public:
  explicit GrpcRegistryClient(std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub);

  absl::StatusOr<nexus::registry::v1::ResolveKeyResponse> ResolveKey(
      std::string_view secret, absl::Duration timeout) override;
  absl::StatusOr<bool> CheckAdminToken(std::string_view token, absl::Duration timeout) override;
  std::unique_ptr<RoutesCall> ListRoutes(absl::Duration timeout) override;
  std::unique_ptr<ChangeStream> Watch() override;

 private:
  const std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_GRPC_REGISTRY_CLIENT_H_
