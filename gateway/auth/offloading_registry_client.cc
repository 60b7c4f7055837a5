#include "gateway/auth/offloading_registry_client.h"

#include <utility>

#include "gateway/io/fiber.h"

namespace nexus::gateway {
namespace {

class OffloadingRoutesCall : public RoutesCall {
 public:
  explicit OffloadingRoutesCall(std::unique_ptr<RoutesCall> inner) : inner_(std::move(inner)) {}

  absl::StatusOr<nexus::registry::v1::ListRoutesResponse> Run() override {
    absl::StatusOr<nexus::registry::v1::ListRoutesResponse> result;
    io::RunBlocking([&] { result = inner_->Run(); });
    return result;
  }
  void Cancel() override { inner_->Cancel(); }

 private:
  std::unique_ptr<RoutesCall> inner_;
};

}  // namespace

OffloadingRegistryClient::OffloadingRegistryClient(std::shared_ptr<RegistryClient> inner)
    : inner_(std::move(inner)) {}

absl::StatusOr<nexus::registry::v1::ResolveKeyResponse> OffloadingRegistryClient::ResolveKey(
    std::string_view secret, absl::Duration timeout) {
  absl::StatusOr<nexus::registry::v1::ResolveKeyResponse> result;
  io::RunBlocking([&] { result = inner_->ResolveKey(secret, timeout); });
  return result;
}

absl::StatusOr<bool> OffloadingRegistryClient::CheckAdminToken(std::string_view token,
                                                               absl::Duration timeout) {
  absl::StatusOr<bool> result;
  io::RunBlocking([&] { result = inner_->CheckAdminToken(token, timeout); });
  return result;
}

std::unique_ptr<RoutesCall> OffloadingRegistryClient::ListRoutes(absl::Duration timeout) {
  return std::make_unique<OffloadingRoutesCall>(inner_->ListRoutes(timeout));
}

std::unique_ptr<ChangeStream> OffloadingRegistryClient::Watch() { return inner_->Watch(); }

}  // namespace nexus::gateway
