#include "gateway/auth/grpc_registry_client.h"

#include <grpcpp/grpcpp.h>

#include "services/grpc/channel_factory.h"
#include "services/status/status_map.h"

namespace nexus::gateway {

using nexus::registry::v1::ChangeEvent;
using nexus::registry::v1::CheckAdminTokenRequest;
using nexus::registry::v1::CheckAdminTokenResponse;
using nexus::registry::v1::ListRoutesRequest;
using nexus::registry::v1::ListRoutesResponse;
using nexus::registry::v1::Registry;
using nexus::registry::v1::ResolveKeyRequest;
using nexus::registry::v1::ResolveKeyResponse;
using nexus::registry::v1::WatchRequest;

namespace {

class GrpcRoutesCall : public RoutesCall {
 public:
  GrpcRoutesCall(std::shared_ptr<Registry::StubInterface> stub, absl::Duration timeout)
      : stub_(std::move(stub)) {
    grpc_runtime::SetDeadline(context_, timeout);
  }

  absl::StatusOr<ListRoutesResponse> Run() override {
    ListRoutesResponse response;
    const grpc::Status status = stub_->ListRoutes(&context_, ListRoutesRequest(), &response);
    if (!status.ok()) return status::FromGrpc(status);
    return response;
  }

  // A cancel before the call starts is remembered by the context and applied when it starts.
  void Cancel() override { context_.TryCancel(); }

 private:
  const std::shared_ptr<Registry::StubInterface> stub_;
  grpc::ClientContext context_;
};

class GrpcChangeStream : public ChangeStream {
 public:
  explicit GrpcChangeStream(std::shared_ptr<Registry::StubInterface> stub)
      : stub_(std::move(stub)) {}

  bool Read(ChangeEvent* event) override {
    if (reader_ == nullptr) reader_ = stub_->Watch(&context_, WatchRequest());
    return reader_->Read(event);
  }

  absl::Status Finish() override {
    if (reader_ == nullptr) return absl::CancelledError("watch stream never started");
    return status::FromGrpc(reader_->Finish());
  }

  void Cancel() override { context_.TryCancel(); }

 private:
  const std::shared_ptr<Registry::StubInterface> stub_;
  grpc::ClientContext context_;
  // Reader thread only.
  std::unique_ptr<grpc::ClientReaderInterface<ChangeEvent>> reader_;
};

}  // namespace

GrpcRegistryClient::GrpcRegistryClient(std::shared_ptr<Registry::StubInterface> stub)
    : stub_(std::move(stub)) {}

absl::StatusOr<ResolveKeyResponse> GrpcRegistryClient::ResolveKey(std::string_view secret,
                                                                  absl::Duration timeout) {
  ResolveKeyRequest request;
  request.set_secret(std::string(secret));
  ResolveKeyResponse response;
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, timeout);
  const grpc::Status status = stub_->ResolveKey(&context, request, &response);
  if (!status.ok()) return status::FromGrpc(status);
  return response;
}

absl::StatusOr<bool> GrpcRegistryClient::CheckAdminToken(std::string_view token,
                                                         absl::Duration timeout) {
  CheckAdminTokenRequest request;
  request.set_token(std::string(token));
  CheckAdminTokenResponse response;
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, timeout);
  const grpc::Status status = stub_->CheckAdminToken(&context, request, &response);
  if (!status.ok()) return status::FromGrpc(status);
  return response.valid();
}

std::unique_ptr<RoutesCall> GrpcRegistryClient::ListRoutes(absl::Duration timeout) {
  return std::make_unique<GrpcRoutesCall>(stub_, timeout);
}

std::unique_ptr<ChangeStream> GrpcRegistryClient::Watch() {
  return std::make_unique<GrpcChangeStream>(stub_);
}

}  // namespace nexus::gateway
