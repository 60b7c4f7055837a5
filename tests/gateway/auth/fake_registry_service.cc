#include "tests/gateway/auth/fake_registry_service.h"

#include <chrono>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "services/grpc/channel_factory.h"

namespace nexus::gateway::testing {

using nexus::registry::v1::ClientKey;
using nexus::registry::v1::Route;

void FakeRegistryService::PutKey(const std::string& secret, const ClientKey& key,
                                 std::vector<std::string> models) {
  std::lock_guard lock(mutex_);
  nexus::registry::v1::ResolveKeyResponse& response = keys_[secret];
  *response.mutable_key() = key;
  response.clear_models();
  for (std::string& model : models) response.add_models(std::move(model));
}

void FakeRegistryService::RemoveKey(const std::string& secret) {
  std::lock_guard lock(mutex_);
  keys_.erase(secret);
}

void FakeRegistryService::SetRoutes(std::vector<Route> routes, int64_t revision) {
  std::lock_guard lock(mutex_);
  routes_.clear_routes();
  for (Route& route : routes) *routes_.add_routes() = std::move(route);
  routes_.set_revision(revision);
}

void FakeRegistryService::SetAdminToken(const std::string& token) {
  std::lock_guard lock(mutex_);
  admin_token_ = token;
}

void FakeRegistryService::FailUnary(grpc::StatusCode code) {
  std::lock_guard lock(mutex_);
  failure_ = code;
}

void FakeRegistryService::CloseGate() {
  std::lock_guard lock(mutex_);
  gate_open_ = false;
}

void FakeRegistryService::OpenGate() {
  {
    std::lock_guard lock(mutex_);
    gate_open_ = true;
  }
  changed_.notify_all();
}

void FakeRegistryService::Emit(const ChangeEvent& event) {
  {
    std::lock_guard lock(mutex_);
    ChangeEvent numbered = event;
    numbered.set_revision(++revision_);
    for (auto& stream : streams_) stream->queue.push_back(numbered);
  }
  changed_.notify_all();
}

void FakeRegistryService::EndWatches() {
  {
    std::lock_guard lock(mutex_);
    for (auto& stream : streams_) stream->ended = true;
  }
  changed_.notify_all();
}

void FakeRegistryService::RefuseWatches(bool refuse) {
  std::lock_guard lock(mutex_);
  refuse_watches_ = refuse;
}

bool FakeRegistryService::WaitForWatchers(int count, absl::Duration timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [&] { return static_cast<int>(streams_.size()) >= count; });
}

bool FakeRegistryService::WaitForResolveCalls(int count, absl::Duration timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [&] { return resolve_calls_.load() >= count; });
}

grpc::Status FakeRegistryService::ResolveKey(grpc::ServerContext*,
                                             const nexus::registry::v1::ResolveKeyRequest* request,
                                             nexus::registry::v1::ResolveKeyResponse* response) {
  std::unique_lock lock(mutex_);
  ++resolve_calls_;
  changed_.notify_all();
  changed_.wait(lock, [&] { return gate_open_; });
  if (failure_ != grpc::StatusCode::OK) return grpc::Status(failure_, "injected failure");
  const auto found = keys_.find(request->secret());
  if (found == keys_.end()) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid key");
  *response = found->second;
  return grpc::Status::OK;
}

grpc::Status FakeRegistryService::ListRoutes(grpc::ServerContext*,
                                             const nexus::registry::v1::ListRoutesRequest*,
                                             nexus::registry::v1::ListRoutesResponse* response) {
  std::lock_guard lock(mutex_);
  ++list_routes_calls_;
  if (failure_ != grpc::StatusCode::OK) return grpc::Status(failure_, "injected failure");
  *response = routes_;
  return grpc::Status::OK;
}

grpc::Status FakeRegistryService::CheckAdminToken(
    grpc::ServerContext*, const nexus::registry::v1::CheckAdminTokenRequest* request,
    nexus::registry::v1::CheckAdminTokenResponse* response) {
  std::lock_guard lock(mutex_);
  ++admin_calls_;
  if (failure_ != grpc::StatusCode::OK) return grpc::Status(failure_, "injected failure");
  response->set_valid(!admin_token_.empty() && request->token() == admin_token_);
  return grpc::Status::OK;
}

grpc::Status FakeRegistryService::Watch(grpc::ServerContext* context,
                                        const nexus::registry::v1::WatchRequest*,
                                        grpc::ServerWriter<ChangeEvent>* writer) {
  auto stream = std::make_shared<Stream>();
  {
    std::lock_guard lock(mutex_);
    if (refuse_watches_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "going down");
    ChangeEvent reset;
    reset.set_kind(ChangeEvent::KIND_RESET);
    reset.set_revision(revision_);
    stream->queue.push_back(reset);
    streams_.push_back(stream);
  }
  changed_.notify_all();
  grpc::Status result = grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
  std::unique_lock lock(mutex_);
  while (!context->IsCancelled()) {
    changed_.wait_for(lock, std::chrono::milliseconds(20),
                      [&] { return !stream->queue.empty() || stream->ended; });
    while (!stream->queue.empty()) {
      ChangeEvent event = stream->queue.front();
      stream->queue.pop_front();
      lock.unlock();
      const bool written = writer->Write(event);
      lock.lock();
      if (!written) break;
    }
    if (stream->ended) {
      result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "watch ended by the test");
      break;
    }
  }
  streams_.remove(stream);
  return result;
}

FakeRegistryServer::FakeRegistryServer() {
  auto runner =
      nexus::grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {&service_});
  if (!runner.ok()) throw std::runtime_error(std::string(runner.status().message()));
  runner_ = *std::move(runner);
  port_ = runner_->port();
  nexus::grpc_runtime::ChannelOptions options;
  options.max_reconnect_backoff = absl::Milliseconds(200);
  stub_ = nexus::registry::v1::Registry::NewStub(
      nexus::grpc_runtime::MakeChannel(absl::StrCat("127.0.0.1:", port_), options));
}

FakeRegistryServer::~FakeRegistryServer() { Stop(); }

void FakeRegistryServer::Stop() {
  if (runner_ == nullptr) return;
  // No watcher may reconnect (and reset its caches) between the end of its stream and shutdown.
  service_.RefuseWatches(true);
  service_.EndWatches();
  runner_->Shutdown(absl::Seconds(1));
  runner_.reset();
}

bool FakeRegistryServer::Restart() {
  Stop();
  service_.RefuseWatches(false);
  auto runner = nexus::grpc_runtime::ServerRunner::Start(
      {.listen_address = absl::StrCat("127.0.0.1:", port_)}, {&service_});
  if (!runner.ok()) return false;
  runner_ = *std::move(runner);
  return true;
}

}  // namespace nexus::gateway::testing
