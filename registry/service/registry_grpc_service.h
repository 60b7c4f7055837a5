#ifndef NEXUS_REGISTRY_SERVICE_REGISTRY_GRPC_SERVICE_H_
#define NEXUS_REGISTRY_SERVICE_REGISTRY_GRPC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "registry/domain/registry.h"
#include "registry/service/change_hub.h"
#include "services/log/logger.h"

namespace nexus::registry {

// The gRPC edge of the registry: converts messages, calls Registry, maps statuses.
class RegistryGrpcService final : public v1::Registry::Service {
 public:
  // `watch_poll` bounds how long a Watch stream waits before checking for cancellation.
  RegistryGrpcService(Registry& registry, ChangeHub& hub, log::Logger logger,
                      absl::Duration watch_poll = absl::Milliseconds(250));

  grpc::Status CreateProvider(grpc::ServerContext*, const v1::CreateProviderRequest* request,
                              v1::Provider* response) override;
  grpc::Status GetProvider(grpc::ServerContext*, const v1::GetProviderRequest* request,
                           v1::Provider* response) override;
  grpc::Status ListProviders(grpc::ServerContext*, const v1::ListProvidersRequest* request,
                             v1::ListProvidersResponse* response) override;
  grpc::Status UpdateProvider(grpc::ServerContext*, const v1::UpdateProviderRequest* request,
                              v1::Provider* response) override;
  grpc::Status DeleteProvider(grpc::ServerContext*, const v1::DeleteProviderRequest* request,
                              v1::DeleteResponse* response) override;

  grpc::Status CreateModel(grpc::ServerContext*, const v1::CreateModelRequest* request,
                           v1::Model* response) override;
  grpc::Status GetModel(grpc::ServerContext*, const v1::GetModelRequest* request,
                        v1::Model* response) override;
  grpc::Status ListModels(grpc::ServerContext*, const v1::ListModelsRequest* request,
                          v1::ListModelsResponse* response) override;
  grpc::Status UpdateModel(grpc::ServerContext*, const v1::UpdateModelRequest* request,
                           v1::Model* response) override;
  grpc::Status DeleteModel(grpc::ServerContext*, const v1::DeleteModelRequest* request,
                           v1::DeleteResponse* response) override;

  grpc::Status CreateKey(grpc::ServerContext*, const v1::CreateKeyRequest* request,
                         v1::CreateKeyResponse* response) override;
  grpc::Status GetKey(grpc::ServerContext*, const v1::GetKeyRequest* request,
                      v1::ClientKey* response) override;
  grpc::Status ListKeys(grpc::ServerContext*, const v1::ListKeysRequest* request,
                        v1::ListKeysResponse* response) override;
  grpc::Status UpdateKey(grpc::ServerContext*, const v1::UpdateKeyRequest* request,
                         v1::ClientKey* response) override;
  grpc::Status RevokeKey(grpc::ServerContext*, const v1::RevokeKeyRequest* request,
                         v1::ClientKey* response) override;
  grpc::Status DeleteKey(grpc::ServerContext*, const v1::DeleteKeyRequest* request,
                         v1::DeleteResponse* response) override;

  grpc::Status ResolveKey(grpc::ServerContext*, const v1::ResolveKeyRequest* request,
                          v1::ResolveKeyResponse* response) override;
  grpc::Status ListRoutes(grpc::ServerContext*, const v1::ListRoutesRequest* request,
                          v1::ListRoutesResponse* response) override;
  grpc::Status CheckAdminToken(grpc::ServerContext*, const v1::CheckAdminTokenRequest* request,
                               v1::CheckAdminTokenResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::ChangeEvent>* writer) override;

 private:
  // Maps a failed status for the wire, logging the ones that signal a fault of ours.
  grpc::Status Fail(std::string_view rpc, const absl::Status& status) const;

  Registry& registry_;
  ChangeHub& hub_;
  log::Logger logger_;
  absl::Duration watch_poll_;
};

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_SERVICE_REGISTRY_GRPC_SERVICE_H_
