#include "registry/service/registry_grpc_service.h"

#include "absl/strings/str_cat.h"
#include "registry/service/proto_convert.h"
#include "services/status/status_map.h"
#include "services/strings/absl_view.h"

namespace nexus::registry {
namespace {

PageRequest Paging(int32_t page_size, const std::string& page_token) {
  return PageRequest{.page_size = page_size, .page_token = page_token};
}

}  // namespace

RegistryGrpcService::RegistryGrpcService(Registry& registry, ChangeHub& hub, log::Logger logger,
                                         absl::Duration watch_poll)
    : registry_(registry), hub_(hub), logger_(std::move(logger)), watch_poll_(watch_poll) {}

grpc::Status RegistryGrpcService::Fail(std::string_view rpc, const absl::Status& status) const {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnknown:
      logger_.Error(absl::StrCat(Av(rpc), " failed: ", status.ToString()));
      break;
    default:
      break;
  }
  return status::ToGrpc(status);
}

grpc::Status RegistryGrpcService::CreateProvider(grpc::ServerContext*,
                                                 const v1::CreateProviderRequest* request,
                                                 v1::Provider* response) {
  absl::StatusOr<Provider> provider = registry_.CreateProvider(FromProto(*request));
  if (!provider.ok()) return Fail("CreateProvider", provider.status());
  ToProto(*provider, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::GetProvider(grpc::ServerContext*,
                                              const v1::GetProviderRequest* request,
                                              v1::Provider* response) {
  absl::StatusOr<Provider> provider = registry_.GetProvider(request->id());
  if (!provider.ok()) return Fail("GetProvider", provider.status());
  ToProto(*provider, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::ListProviders(grpc::ServerContext*,
                                                const v1::ListProvidersRequest* request,
                                                v1::ListProvidersResponse* response) {
  absl::StatusOr<Page<Provider>> page =
      registry_.ListProviders(Paging(request->page_size(), request->page_token()));
  if (!page.ok()) return Fail("ListProviders", page.status());
  for (const Provider& p : page->items) ToProto(p, response->add_providers());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::UpdateProvider(grpc::ServerContext*,
                                                 const v1::UpdateProviderRequest* request,
                                                 v1::Provider* response) {
  absl::StatusOr<Provider> provider = registry_.UpdateProvider(request->id(), FromProto(*request));
  if (!provider.ok()) return Fail("UpdateProvider", provider.status());
  ToProto(*provider, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::DeleteProvider(grpc::ServerContext*,
                                                 const v1::DeleteProviderRequest* request,
                                                 v1::DeleteResponse*) {
  absl::Status status = registry_.DeleteProvider(request->id());
  if (!status.ok()) return Fail("DeleteProvider", status);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::CreateModel(grpc::ServerContext*,
                                              const v1::CreateModelRequest* request,
                                              v1::Model* response) {
  absl::StatusOr<Model> model = registry_.CreateModel(FromProto(*request));
  if (!model.ok()) return Fail("CreateModel", model.status());
  ToProto(*model, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::GetModel(grpc::ServerContext*, const v1::GetModelRequest* request,
                                           v1::Model* response) {
  absl::StatusOr<Model> model = registry_.GetModel(request->id());
  if (!model.ok()) return Fail("GetModel", model.status());
  ToProto(*model, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::ListModels(grpc::ServerContext*,
                                             const v1::ListModelsRequest* request,
                                             v1::ListModelsResponse* response) {
  absl::StatusOr<Page<Model>> page = registry_.ListModels(
      request->provider_id(), Paging(request->page_size(), request->page_token()));
  if (!page.ok()) return Fail("ListModels", page.status());
  for (const Model& m : page->items) ToProto(m, response->add_models());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::UpdateModel(grpc::ServerContext*,
                                              const v1::UpdateModelRequest* request,
                                              v1::Model* response) {
  absl::StatusOr<Model> model = registry_.UpdateModel(request->id(), FromProto(*request));
  if (!model.ok()) return Fail("UpdateModel", model.status());
  ToProto(*model, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::DeleteModel(grpc::ServerContext*,
                                              const v1::DeleteModelRequest* request,
                                              v1::DeleteResponse*) {
  absl::Status status = registry_.DeleteModel(request->id());
  if (!status.ok()) return Fail("DeleteModel", status);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::CreateKey(grpc::ServerContext*,
                                            const v1::CreateKeyRequest* request,
                                            v1::CreateKeyResponse* response) {
  absl::StatusOr<CreatedKey> created = registry_.CreateKey(FromProto(*request));
  if (!created.ok()) return Fail("CreateKey", created.status());
  ToProto(created->key, response->mutable_key());
  response->set_secret(created->secret);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::GetKey(grpc::ServerContext*, const v1::GetKeyRequest* request,
                                         v1::ClientKey* response) {
  absl::StatusOr<ClientKey> key = registry_.GetKey(request->id());
  if (!key.ok()) return Fail("GetKey", key.status());
  ToProto(*key, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::ListKeys(grpc::ServerContext*, const v1::ListKeysRequest* request,
                                           v1::ListKeysResponse* response) {
  absl::StatusOr<Page<ClientKey>> page =
      registry_.ListKeys(Paging(request->page_size(), request->page_token()));
  if (!page.ok()) return Fail("ListKeys", page.status());
  for (const ClientKey& k : page->items) ToProto(k, response->add_keys());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::UpdateKey(grpc::ServerContext*,
                                            const v1::UpdateKeyRequest* request,
                                            v1::ClientKey* response) {
  absl::StatusOr<ClientKey> key = registry_.UpdateKey(request->id(), FromProto(*request));
  if (!key.ok()) return Fail("UpdateKey", key.status());
  ToProto(*key, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::RevokeKey(grpc::ServerContext*,
                                            const v1::RevokeKeyRequest* request,
                                            v1::ClientKey* response) {
  absl::StatusOr<ClientKey> key = registry_.RevokeKey(request->id());
  if (!key.ok()) return Fail("RevokeKey", key.status());
  ToProto(*key, response);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::DeleteKey(grpc::ServerContext*,
                                            const v1::DeleteKeyRequest* request,
                                            v1::DeleteResponse*) {
  absl::Status status = registry_.DeleteKey(request->id());
  if (!status.ok()) return Fail("DeleteKey", status);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::ResolveKey(grpc::ServerContext*,
                                             const v1::ResolveKeyRequest* request,
                                             v1::ResolveKeyResponse* response) {
  absl::StatusOr<ResolvedKey> resolved = registry_.ResolveKey(request->secret(), request->model());
  if (!resolved.ok()) return Fail("ResolveKey", resolved.status());
  ToProto(resolved->key, response->mutable_key());
  for (const Route& route : resolved->routes) ToProto(route, response->add_routes());
  for (const std::string& model : resolved->models) response->add_models(model);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::ListRoutes(grpc::ServerContext*, const v1::ListRoutesRequest*,
                                             v1::ListRoutesResponse* response) {
  // Read the revision first: the routes then reflect at least every change up to it.
  int64_t revision = hub_.revision();
  absl::StatusOr<std::vector<Route>> routes = registry_.ListRoutes();
  if (!routes.ok()) return Fail("ListRoutes", routes.status());
  for (const Route& route : *routes) ToProto(route, response->add_routes());
  response->set_revision(revision);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::CheckAdminToken(grpc::ServerContext*,
                                                  const v1::CheckAdminTokenRequest* request,
                                                  v1::CheckAdminTokenResponse* response) {
  absl::StatusOr<bool> valid = registry_.CheckAdminToken(request->token());
  if (!valid.ok()) return Fail("CheckAdminToken", valid.status());
  response->set_valid(*valid);
  return grpc::Status::OK;
}

grpc::Status RegistryGrpcService::Watch(grpc::ServerContext* context, const v1::WatchRequest*,
                                        grpc::ServerWriter<v1::ChangeEvent>* writer) {
  std::unique_ptr<ChangeHub::Subscription> subscription = hub_.Subscribe();
  while (!context->IsCancelled()) {
    ChangeHub::Batch batch = subscription->Next(watch_poll_);
    for (const v1::ChangeEvent& event : batch.events) {
      if (!writer->Write(event)) return grpc::Status(grpc::StatusCode::CANCELLED, "watcher left");
    }
    if (batch.end == ChangeHub::End::kClosed) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "registry is shutting down");
    }
    if (batch.end == ChangeHub::End::kOverflow) {
      logger_.Warning("a watch stream fell behind and was ended; the watcher will reset");
      return grpc::Status(grpc::StatusCode::ABORTED,
                          "watch stream fell too far behind; reconnect to reset");
    }
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
}

}  // namespace nexus::registry
