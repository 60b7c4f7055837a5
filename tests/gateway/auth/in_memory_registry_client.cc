#include "tests/gateway/auth/in_memory_registry_client.h"

#include <thread>

#include "absl/time/clock.h"

namespace nexus::gateway::testing {

using nexus::registry::v1::ClientKey;
using nexus::registry::v1::ListRoutesResponse;
using nexus::registry::v1::ResolveKeyResponse;
using nexus::registry::v1::Route;

class InMemoryRegistryClient::Call : public RoutesCall {
 public:
  explicit Call(InMemoryRegistryClient& registry) : registry_(registry) {}

  absl::StatusOr<ListRoutesResponse> Run() override { return registry_.RunListRoutes(&cancelled_); }

  void Cancel() override {
    std::lock_guard lock(registry_.mutex_);
    cancelled_ = true;
    registry_.changed_.notify_all();
  }

 private:
  InMemoryRegistryClient& registry_;
  bool cancelled_ = false;  // guarded by registry_.mutex_
};

class InMemoryRegistryClient::Stream : public ChangeStream {
 public:
  Stream(InMemoryRegistryClient& registry, std::shared_ptr<StreamState> state)
      : registry_(registry), state_(std::move(state)) {}

  bool Read(ChangeEvent* event) override {
    std::unique_lock lock(registry_.mutex_);
    if (!state_->started) Start();
    registry_.changed_.wait(lock, [&] { return state_->ended || !state_->queue.empty(); });
    if (state_->ended) return false;
    *event = std::move(state_->queue.front());
    state_->queue.pop_front();
    return true;
  }

  absl::Status Finish() override {
    std::lock_guard lock(registry_.mutex_);
    return state_->end_status;
  }

  void Cancel() override {
    std::lock_guard lock(registry_.mutex_);
    if (state_->ended) return;
    state_->ended = true;
    state_->end_status = absl::CancelledError("cancelled by the client");
    ++registry_.cancelled_calls_;
    registry_.changed_.notify_all();
  }

 private:
  // With the registry's mutex held: the server side of the stream comes into being.
  void Start() {
    state_->started = true;
    ++registry_.started_streams_;
    registry_.changed_.notify_all();
    if (state_->ended) return;  // cancelled before it started
    if (registry_.refuse_streams_) {
      state_->ended = true;
      state_->end_status = absl::UnavailableError("registry refuses watch streams");
      return;
    }
    ChangeEvent reset;
    reset.set_kind(ChangeEvent::KIND_RESET);
    reset.set_revision(registry_.revision_);
    state_->queue.push_back(std::move(reset));
  }

  InMemoryRegistryClient& registry_;
  const std::shared_ptr<StreamState> state_;
};

void InMemoryRegistryClient::PutKey(const std::string& secret, const ClientKey& key,
                                    std::vector<std::string> models) {
  std::lock_guard lock(mutex_);
  ResolveKeyResponse& response = keys_[secret];
  *response.mutable_key() = key;
  response.clear_models();
  for (std::string& model : models) response.add_models(std::move(model));
}

void InMemoryRegistryClient::RemoveKey(const std::string& secret) {
  std::lock_guard lock(mutex_);
  keys_.erase(secret);
}

void InMemoryRegistryClient::SetRoutes(std::vector<Route> routes) {
  std::lock_guard lock(mutex_);
  routes_ = std::move(routes);
  ++revision_;
}

void InMemoryRegistryClient::SetAdminToken(const std::string& token) {
  std::lock_guard lock(mutex_);
  admin_token_ = token;
}

void InMemoryRegistryClient::FailUnary(absl::Status status) {
  std::lock_guard lock(mutex_);
  failure_ = std::move(status);
}

void InMemoryRegistryClient::CloseGate() {
  std::lock_guard lock(mutex_);
  gate_open_ = false;
}

void InMemoryRegistryClient::OpenGate() {
  std::lock_guard lock(mutex_);
  gate_open_ = true;
  changed_.notify_all();
}

void InMemoryRegistryClient::Emit(ChangeEvent event) {
  std::lock_guard lock(mutex_);
  event.set_revision(++revision_);
  for (const auto& stream : streams_) {
    if (stream->started && !stream->ended) stream->queue.push_back(event);
  }
  changed_.notify_all();
}

void InMemoryRegistryClient::EndStreams(absl::Status status) {
  std::lock_guard lock(mutex_);
  for (const auto& stream : streams_) {
    if (stream->started && !stream->ended) {
      stream->ended = true;
      stream->end_status = status;
    }
  }
  std::erase_if(streams_, [](const auto& stream) { return stream->ended; });
  changed_.notify_all();
}

void InMemoryRegistryClient::RefuseStreams(bool refuse) {
  std::lock_guard lock(mutex_);
  refuse_streams_ = refuse;
}

bool InMemoryRegistryClient::WaitFor(const std::function<bool()>& done) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::seconds(30), done);
}

bool InMemoryRegistryClient::WaitForResolveCalls(int count) {
  return WaitFor([&] { return resolve_calls_ >= count; });
}

bool InMemoryRegistryClient::WaitForListRoutesCalls(int count) {
  return WaitFor([&] { return list_routes_calls_ >= count; });
}

bool InMemoryRegistryClient::WaitForStreams(int count) {
  return WaitFor([&] { return started_streams_ >= count; });
}

int InMemoryRegistryClient::resolve_calls() const {
  std::lock_guard lock(mutex_);
  return resolve_calls_;
}

int InMemoryRegistryClient::admin_calls() const {
  std::lock_guard lock(mutex_);
  return admin_calls_;
}

int InMemoryRegistryClient::list_routes_calls() const {
  std::lock_guard lock(mutex_);
  return list_routes_calls_;
}

int InMemoryRegistryClient::cancelled_calls() const {
  std::lock_guard lock(mutex_);
  return cancelled_calls_;
}

int InMemoryRegistryClient::streams() const {
  std::lock_guard lock(mutex_);
  return started_streams_;
}

int64_t InMemoryRegistryClient::revision() const {
  std::lock_guard lock(mutex_);
  return revision_;
}

absl::Status InMemoryRegistryClient::PassGate(std::unique_lock<std::mutex>& lock,
                                              const bool* cancelled) {
  changed_.notify_all();  // the call counts have changed
  changed_.wait(lock, [&] { return gate_open_ || (cancelled != nullptr && *cancelled); });
  if (cancelled != nullptr && *cancelled) {
    ++cancelled_calls_;
    return absl::CancelledError("cancelled by the client");
  }
  return failure_;
}

absl::StatusOr<ResolveKeyResponse> InMemoryRegistryClient::ResolveKey(std::string_view secret,
                                                                      absl::Duration /*timeout*/) {
  std::unique_lock lock(mutex_);
  ++resolve_calls_;
  // The registry answers at once; the gate holds the answer "in transit", so a test can change
  // the key (and send its event) between the answer and its arrival.
  const auto found = keys_.find(std::string(secret));
  absl::StatusOr<ResolveKeyResponse> answer = absl::UnauthenticatedError("unknown key");
  if (found != keys_.end()) answer = found->second;
  if (absl::Status failure = PassGate(lock, nullptr); !failure.ok()) return failure;
  lock.unlock();
  std::this_thread::yield();  // widens the window between answer and arrival for racing threads
  return answer;
}

absl::StatusOr<bool> InMemoryRegistryClient::CheckAdminToken(std::string_view token,
                                                             absl::Duration /*timeout*/) {
  std::unique_lock lock(mutex_);
  ++admin_calls_;
  if (absl::Status failure = PassGate(lock, nullptr); !failure.ok()) return failure;
  return !admin_token_.empty() && token == admin_token_;
}

absl::StatusOr<ListRoutesResponse> InMemoryRegistryClient::RunListRoutes(const bool* cancelled) {
  std::unique_lock lock(mutex_);
  ++list_routes_calls_;
  if (absl::Status failure = PassGate(lock, cancelled); !failure.ok()) return failure;
  ListRoutesResponse response;
  response.set_revision(revision_);
  for (const Route& route : routes_) *response.add_routes() = route;
  return response;
}

std::unique_ptr<RoutesCall> InMemoryRegistryClient::ListRoutes(absl::Duration /*timeout*/) {
  return std::make_unique<Call>(*this);
}

std::unique_ptr<ChangeStream> InMemoryRegistryClient::Watch() {
  std::lock_guard lock(mutex_);
  auto state = std::make_shared<StreamState>();
  streams_.push_back(state);
  return std::make_unique<Stream>(*this, std::move(state));
}

}  // namespace nexus::gateway::testing
