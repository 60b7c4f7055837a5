#include "gateway/auth/registry_route_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/auth/authorize.h"
#include "gateway/auth/grpc_registry_client.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {

using nexus::registry::v1::ChangeEvent;
using nexus::registry::v1::ClientKey;
using nexus::registry::v1::ListRoutesResponse;
using nexus::registry::v1::Route;

namespace {

absl::Status ModelNotFoundError(std::string_view model) {
  return absl::NotFoundError(
      absl::StrCat("The model `", Av(model), "` does not exist or you do not have access to it."));
}

bool ProviderAllowed(const ClientKey& key, const Route& route) {
  return key.provider_id() == 0 || key.provider_id() == route.provider_id();
}

}  // namespace

std::shared_ptr<const RouteSnapshot> BuildRouteSnapshot(const ListRoutesResponse& response) {
  auto snapshot = std::make_shared<RouteSnapshot>();
  snapshot->revision = response.revision();
  for (const Route& route : response.routes()) snapshot->by_model[route.model()].push_back(route);
  snapshot->models.reserve(snapshot->by_model.size());
  for (auto& [model, routes] : snapshot->by_model) {
    std::stable_sort(routes.begin(), routes.end(),
                     [](const Route& a, const Route& b) { return a.priority() < b.priority(); });
    snapshot->models.push_back(model);
  }
  std::sort(snapshot->models.begin(), snapshot->models.end());
  return snapshot;
}

RegistryRouteTable::RegistryRouteTable(
    std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub,
    RegistryRouteTableOptions options)
    : RegistryRouteTable(std::make_shared<GrpcRegistryClient>(std::move(stub)), options) {}

RegistryRouteTable::RegistryRouteTable(std::shared_ptr<RegistryClient> registry,
                                       RegistryRouteTableOptions options)
    : registry_(std::move(registry)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

RegistryRouteTable::~RegistryRouteTable() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (loading_call_ != nullptr) loading_call_->Cancel();
  }
  changed_.notify_all();
  thread_.join();
}

void RegistryRouteTable::Log(log::Level level, std::string_view message) const {
  if (options_.logger != nullptr) options_.logger->Log(level, message);
}

void RegistryRouteTable::OnChange(const ChangeEvent& event) {
  switch (event.kind()) {
    case ChangeEvent::KIND_RESET:
    case ChangeEvent::KIND_PROVIDER:
    case ChangeEvent::KIND_MODEL: {
      {
        std::lock_guard lock(mutex_);
        ++requested_;
      }
      changed_.notify_all();
      return;
    }
    default:
      return;
  }
}

void RegistryRouteTable::Run() {
  absl::Duration retry = options_.initial_retry;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || requested_ > loaded_; });
      if (stopping_) return;
    }
    const absl::Status status = Load();
    if (status.ok()) {
      retry = options_.initial_retry;
      continue;
    }
    Log(log::Level::kWarning,
        absl::StrCat("cannot load routes from the registry: ", status.message()));
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, absl::ToChronoNanoseconds(retry), [this] { return stopping_; });
    retry = std::min(options_.max_retry, retry * 2);
  }
}

absl::Status RegistryRouteTable::LoadNow() { return Load(); }

absl::Status RegistryRouteTable::Load() {
  std::lock_guard load_lock(load_mutex_);
  uint64_t target;
  {
    std::lock_guard lock(mutex_);
    // Another load finished while we waited for the load lock and nothing changed since.
    if (snapshot_ != nullptr && loaded_ >= requested_) return absl::OkStatus();
    target = requested_;
  }
  const std::unique_ptr<RoutesCall> call = registry_->ListRoutes(options_.rpc_timeout);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return absl::CancelledError("route table is shutting down");
    loading_call_ = call.get();
  }
  const absl::StatusOr<ListRoutesResponse> response = call->Run();
  {
    std::lock_guard lock(mutex_);
    loading_call_ = nullptr;
  }
  if (!response.ok()) {
    return absl::UnavailableError(absl::StrCat("ListRoutes failed: ", response.status().message()));
  }
  std::shared_ptr<const RouteSnapshot> snapshot = BuildRouteSnapshot(*response);
  {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
    loaded_ = std::max(loaded_, target);
  }
  changed_.notify_all();
  return absl::OkStatus();
}

std::shared_ptr<const RouteSnapshot> RegistryRouteTable::Snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

bool RegistryRouteTable::WaitForRevision(int64_t revision, absl::Duration timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [&] { return snapshot_ != nullptr && snapshot_->revision >= revision; });
}

std::shared_ptr<const RouteSnapshot> RegistryRouteTable::CurrentOrError(absl::Status* error) const {
  std::shared_ptr<const RouteSnapshot> snapshot = Snapshot();
  if (snapshot == nullptr) {
    *error = absl::UnavailableError(
        "Routes are not known yet: the model registry has not been reached. Please retry.");
  }
  return snapshot;
}

absl::StatusOr<std::vector<Route>> RegistryRouteTable::RoutesFor(std::string_view model,
                                                                 const ClientKey& key) {
  if (!ModelAllowed(key, model)) return ModelNotAllowedError(model);
  absl::Status error;
  std::shared_ptr<const RouteSnapshot> snapshot = CurrentOrError(&error);
  if (snapshot == nullptr) return error;
  const auto found = snapshot->by_model.find(Av(model));
  if (found == snapshot->by_model.end()) return ModelNotFoundError(model);
  std::vector<Route> routes;
  routes.reserve(found->second.size());
  for (const Route& route : found->second) {
    if (ProviderAllowed(key, route)) routes.push_back(route);
  }
  if (routes.empty()) return ModelNotFoundError(model);
  return routes;
}

absl::StatusOr<std::vector<ListedModel>> RegistryRouteTable::ModelsFor(const ClientKey& key) {
  absl::Status error;
  std::shared_ptr<const RouteSnapshot> snapshot = CurrentOrError(&error);
  if (snapshot == nullptr) return error;
  std::vector<ListedModel> listed;
  for (const std::string& model : snapshot->models) {
    if (!ModelAllowed(key, model)) continue;
    ListedModel entry{model, {}};
    for (const Route& route : snapshot->by_model.at(model)) {
      if (ProviderAllowed(key, route)) entry.providers.push_back(route.provider_name());
    }
    if (!entry.providers.empty()) listed.push_back(std::move(entry));
  }
  return listed;
}

}  // namespace nexus::gateway
