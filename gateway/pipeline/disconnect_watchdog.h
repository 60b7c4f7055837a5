#ifndef NEXUS_GATEWAY_PIPELINE_DISCONNECT_WATCHDOG_H_
#define NEXUS_GATEWAY_PIPELINE_DISCONNECT_WATCHDOG_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "gateway/pipeline/chat_pipeline.h"
#include "gateway/upstream/upstream_client.h"

namespace nexus::gateway {

// One thread that polls every running call's sink for a vanished client and cancels that call's
// upstream request. A stalled upstream writes nothing, so nothing on the request thread would
// ever notice the client left; this bounds the time to abort by the poll interval.
class DisconnectWatchdog {
 public:
  explicit DisconnectWatchdog(absl::Duration interval = absl::Milliseconds(150));
  ~DisconnectWatchdog();
  DisconnectWatchdog(const DisconnectWatchdog&) = delete;
  DisconnectWatchdog& operator=(const DisconnectWatchdog&) = delete;

  // Watches `sink` until the returned id is passed to Unwatch; `cancel` is cancelled when the
  // client is gone (or on CancelAll).
  uint64_t Watch(ChatResponseSink& sink, CancelToken& cancel);
  void Unwatch(uint64_t id);
  // Cancels every watched call (the shutdown deadline passed).
  void CancelAll();
  size_t watched() const;

 private:
  struct Entry {
    ChatResponseSink* sink;
    CancelToken* cancel;
  };
  void Run();

  const absl::Duration interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

// Watches for the lifetime of the scope.
class ScopedWatch {
 public:
  ScopedWatch(DisconnectWatchdog& watchdog, ChatResponseSink& sink, CancelToken& cancel)
      : watchdog_(watchdog), id_(watchdog.Watch(sink, cancel)) {}
  ~ScopedWatch() { watchdog_.Unwatch(id_); }
  ScopedWatch(const ScopedWatch&) = delete;
  ScopedWatch& operator=(const ScopedWatch&) = delete;

 private:
  DisconnectWatchdog& watchdog_;
  uint64_t id_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_DISCONNECT_WATCHDOG_H_
