#ifndef NEXUS_GATEWAY_AUTH_REGISTRY_WATCHER_H_
#define NEXUS_GATEWAY_AUTH_REGISTRY_WATCHER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gateway/auth/registry_client.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "services/log/logger.h"

namespace nexus::gateway {

// Receives the registry's change events. Called on the watcher's thread, one event at a time and
// in stream order; keep it short (no I/O): signal a worker instead.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // KIND_RESET (the first event of every stream) means: forget everything cached.
  virtual void OnChange(const nexus::registry::v1::ChangeEvent& event) = 0;
  // The stream broke: events may be missed until the next KIND_RESET.
  virtual void OnDisconnect() {}
};

struct RegistryWatcherOptions {
  // Reconnect delays grow from initial to max by `multiplier`, each with +-20% jitter, and
  // restart from initial once a stream delivered its first event.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  double multiplier = 2.0;
  // Optional; must outlive the watcher.
  const log::Logger* logger = nullptr;
};

// Keeps one Registry.Watch server stream open, reconnecting with capped exponential backoff, and
// hands every ChangeEvent to the listeners. connected() is true from a stream's first event until
// it breaks: the gateway's readiness signal.
class RegistryWatcher {
 public:
  RegistryWatcher(std::shared_ptr<RegistryClient> registry, RegistryWatcherOptions options = {});
  // Over gRPC (GrpcRegistryClient).
  RegistryWatcher(std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub,
                  RegistryWatcherOptions options = {});
  // Stops (see Stop).
  ~RegistryWatcher();
  RegistryWatcher(const RegistryWatcher&) = delete;
  RegistryWatcher& operator=(const RegistryWatcher&) = delete;

  // Listeners must outlive the watcher (or Stop() must have returned before they die). May be
  // called before or after Start.
  void AddListener(ChangeListener* listener);
  // After this returns the listener is not called again (waits for a dispatch in progress).
  void RemoveListener(ChangeListener* listener);
  // Starts the background thread. Idempotent.
  void Start();
  // Cancels the open stream, wakes any backoff sleep and joins the thread. Idempotent.
  void Stop();

  bool connected() const { return connected_.load(std::memory_order_acquire); }
  // Blocks until connected or `timeout` elapsed; returns connected().
  bool WaitUntilConnected(absl::Duration timeout);
  // Revision of the last event the listeners have been given (0 before any).
  int64_t last_revision() const { return last_revision_.load(std::memory_order_acquire); }
  // Streams that delivered at least one event since Start.
  int64_t connections() const { return connections_.load(std::memory_order_acquire); }

 private:
  void Run();
  // Runs one stream to its end; returns true when it delivered at least one event.
  bool RunStream();
  void Dispatch(const nexus::registry::v1::ChangeEvent& event);
  void DispatchDisconnect();
  void SetConnected(bool connected);
  void Log(log::Level level, std::string_view message) const;

  const std::shared_ptr<RegistryClient> registry_;
  const RegistryWatcherOptions options_;

  std::mutex listeners_mutex_;
  std::vector<ChangeListener*> listeners_;

  std::mutex mutex_;  // guards the fields below and connected_ transitions' notification
  std::condition_variable wake_;
  bool started_ = false;
  bool stopping_ = false;
  ChangeStream* active_stream_ = nullptr;
  std::thread thread_;

  std::atomic<bool> connected_{false};
  std::atomic<int64_t> last_revision_{0};
  std::atomic<int64_t> connections_{0};
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_REGISTRY_WATCHER_H_
