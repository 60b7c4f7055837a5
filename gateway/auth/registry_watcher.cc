#include "gateway/auth/registry_watcher.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "gateway/auth/grpc_registry_client.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {

using nexus::registry::v1::ChangeEvent;

RegistryWatcher::RegistryWatcher(std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub,
                                 RegistryWatcherOptions options)
    : RegistryWatcher(std::make_shared<GrpcRegistryClient>(std::move(stub)), options) {}

RegistryWatcher::RegistryWatcher(std::shared_ptr<RegistryClient> registry,
                                 RegistryWatcherOptions options)
    : registry_(std::move(registry)), options_(options) {}

RegistryWatcher::~RegistryWatcher() { Stop(); }

void RegistryWatcher::AddListener(ChangeListener* listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(listener);
}

void RegistryWatcher::RemoveListener(ChangeListener* listener) {
  std::lock_guard lock(listeners_mutex_);
  std::erase(listeners_, listener);
}

void RegistryWatcher::Start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void RegistryWatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (active_stream_ != nullptr) active_stream_->Cancel();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RegistryWatcher::WaitUntilConnected(absl::Duration timeout) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                 [this] { return stopping_ || connected(); });
  return connected();
}

void RegistryWatcher::SetConnected(bool connected) {
  {
    std::lock_guard lock(mutex_);
    connected_.store(connected, std::memory_order_release);
  }
  wake_.notify_all();
}

void RegistryWatcher::Log(log::Level level, std::string_view message) const {
  if (options_.logger != nullptr) options_.logger->Log(level, message);
}

void RegistryWatcher::Run() {
  std::minstd_rand random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (RunStream()) backoff = options_.initial_backoff;
    const absl::Duration delay = backoff * jitter(random);
    backoff = std::min(options_.max_backoff, backoff * options_.multiplier);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, absl::ToChronoNanoseconds(delay), [this] { return stopping_; });
  }
}

bool RegistryWatcher::RunStream() {
  const std::unique_ptr<ChangeStream> stream = registry_->Watch();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    active_stream_ = stream.get();
  }
  ChangeEvent event;
  bool first = true;
  while (stream->Read(&event)) {
    // Every stream starts from a clean slate, whatever the server sends first.
    if (first && event.kind() != ChangeEvent::KIND_RESET) {
      Log(log::Level::kWarning, "registry watch stream did not start with a reset; resetting");
      ChangeEvent reset;
      reset.set_kind(ChangeEvent::KIND_RESET);
      reset.set_revision(event.revision());
      Dispatch(reset);
    }
    Dispatch(event);
    // After dispatching: a reader of last_revision() knows the listeners have seen the event.
    last_revision_.store(event.revision(), std::memory_order_release);
    if (first) {
      // Connected only once the listeners have reset, so that waiters see a consistent state.
      first = false;
      connections_.fetch_add(1, std::memory_order_acq_rel);
      SetConnected(true);
      Log(log::Level::kInfo, "registry watch stream connected");
    }
  }
  const absl::Status status = stream->Finish();
  {
    std::lock_guard lock(mutex_);
    active_stream_ = nullptr;
  }
  bool stopping;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
  }
  if (!first) {
    SetConnected(false);
    // On shutdown the listeners may already be going away; they need no news then.
    if (!stopping) DispatchDisconnect();
  }
  if (!stopping) {
    Log(first ? log::Level::kDebug : log::Level::kWarning,
        absl::StrCat("registry watch stream ended: ", status.message(), " (code ",
                     static_cast<int>(status.code()), ")"));
  }
  return !first;
}

void RegistryWatcher::Dispatch(const ChangeEvent& event) {
  std::lock_guard lock(listeners_mutex_);
  for (ChangeListener* listener : listeners_) listener->OnChange(event);
}

void RegistryWatcher::DispatchDisconnect() {
  std::lock_guard lock(listeners_mutex_);
  for (ChangeListener* listener : listeners_) listener->OnDisconnect();
}

}  // namespace nexus::gateway
