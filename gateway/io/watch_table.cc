#include "gateway/io/watch_table.h"

#include <poll.h>
#include <sys/epoll.h>

#include <cerrno>

namespace nexus::gateway::io {

std::optional<uint32_t> WatchTable::Add(int fd) {
  if (free_.empty()) {
    slots_.emplace_back();
    free_.push_back(static_cast<uint32_t>(slots_.size() - 1));
  }
  const uint32_t slot = free_.back();
  Slot& watch = slots_[slot];
  watch.fd = fd;
  watch.ready = 0;
  watch.waiter = nullptr;
  // EEXIST: a one-shot registration of the same socket (a wait before the watch existed, e.g. for
  // the connect) is taken over.
  if (!Register(slot, EPOLL_CTL_ADD, false) &&
      (errno != EEXIST || !Register(slot, EPOLL_CTL_MOD, false))) {
    watch.fd = -1;
    return std::nullopt;
  }
  free_.pop_back();
  return slot;
}

// Readability is always watched. Writability only while a writer waits: a socket is writable
// nearly always, and every ACK that frees send space would be an event (a loop wake-up).
bool WatchTable::Register(uint32_t slot, int op, bool writable) {
  const Slot& watch = slots_[slot];
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (writable ? EPOLLOUT : 0u);
  event.data.u64 = kTag | (uint64_t{watch.generation} << 32) | slot;
  return ::epoll_ctl(epoll_fd_, op, watch.fd, &event) == 0;
}

void WatchTable::Remove(uint32_t slot) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, slots_[slot].fd, nullptr);
  Release(slot);
}

void WatchTable::Release(uint32_t slot) {
  Slot& watch = slots_[slot];
  watch.fd = -1;
  watch.waiter = nullptr;
  watch.generation = (watch.generation + 1) & 0x7fffffffu;
  free_.push_back(slot);
}

bool WatchTable::WatchWritable(uint32_t slot, bool writable) {
  return Register(slot, EPOLL_CTL_MOD, writable);
}

short WatchTable::Take(uint32_t slot, short wanted) {
  Slot& watch = slots_[slot];
  const short seen = static_cast<short>(watch.ready & wanted);
  watch.ready = static_cast<short>(watch.ready & ~(wanted & (POLLIN | POLLOUT)));
  return seen;
}

void WatchTable::Forget(uint32_t slot, short readiness) {
  slots_[slot].ready = static_cast<short>(slots_[slot].ready & ~readiness);
}

void WatchTable::SetWaiter(uint32_t slot, Fiber* fiber, short wanted) {
  slots_[slot].waiter = fiber;
  slots_[slot].wanted = wanted;
}

void WatchTable::ClearWaiter(uint32_t slot, const Fiber* fiber) {
  if (slots_[slot].waiter == fiber) slots_[slot].waiter = nullptr;
}

WatchTable::Wakeup WatchTable::OnEvent(uint64_t token, short revents) {
  const uint64_t slot = token & 0xffffffffu;
  if (slot >= slots_.size()) return {};
  Slot& watch = slots_[slot];
  if (watch.fd < 0 || watch.generation != ((token >> 32) & 0x7fffffffu)) return {};  // stale
  watch.ready = static_cast<short>(watch.ready | revents);
  if (watch.waiter == nullptr) return {};
  const short seen = Take(static_cast<uint32_t>(slot), watch.wanted);
  if (seen == 0) return {};
  Wakeup wakeup{watch.waiter, seen};
  watch.waiter = nullptr;
  return wakeup;
}

}  // namespace nexus::gateway::io
