#include "gateway/pipeline/disconnect_watchdog.h"

#include <vector>

namespace nexus::gateway {

DisconnectWatchdog::DisconnectWatchdog(absl::Duration interval)
    : interval_(interval), thread_([this] { Run(); }) {}

DisconnectWatchdog::~DisconnectWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

uint64_t DisconnectWatchdog::Watch(ChatResponseSink& sink, CancelToken& cancel) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_id_++;
  entries_.emplace(id, Entry{&sink, &cancel});
  return id;
}

void DisconnectWatchdog::Unwatch(uint64_t id) {
  // Holding the mutex while the poller checks an entry makes Unwatch wait for that check, so a
  // sink is never polled after its call returned.
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

void DisconnectWatchdog::CancelAll() {
  std::lock_guard lock(mutex_);
  for (auto& [id, entry] : entries_) entry.cancel->Cancel();
}

size_t DisconnectWatchdog::watched() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void DisconnectWatchdog::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stopping_; });
    if (stopping_) break;
    // ClientGone never blocks (a poll with zero timeout), so checking under the lock is cheap.
    for (auto& [id, entry] : entries_) {
      if (!entry.cancel->cancelled() && entry.sink->ClientGone()) entry.cancel->Cancel();
    }
  }
}

}  // namespace nexus::gateway
