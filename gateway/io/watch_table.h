#ifndef NEXUS_GATEWAY_IO_WATCH_TABLE_H_
#define NEXUS_GATEWAY_IO_WATCH_TABLE_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace nexus::gateway::io {

struct Fiber;

// The sockets a fiber loop keeps in its epoll set for good (see EdgeWatch in fiber.h): each slot
// holds a registration (edge-triggered readability, writability only on demand), the readiness
// seen and not taken yet, and the fiber waiting on it. Used by the loop thread only, except that
// a registration may be dropped from elsewhere (epoll_ctl is thread-safe) and its slot released
// later on the loop.
class WatchTable {
 public:
  // Event tokens of watches have this bit, the slot's generation (bits 32-62) and the slot.
  static constexpr uint64_t kTag = uint64_t{1} << 63;

  explicit WatchTable(int epoll_fd) : epoll_fd_(epoll_fd) {}

  // Registers `fd`; nullopt when epoll refuses it (not a socket or pipe).
  std::optional<uint32_t> Add(int fd);
  // Drops the registration and frees the slot. The socket must still be open.
  void Remove(uint32_t slot);
  // Frees the slot of a registration dropped already (its socket may be closed by now, and its
  // number reused: no epoll_ctl on it). Events still queued for it are ignored.
  void Release(uint32_t slot);
  int fd(uint32_t slot) const { return slots_[slot].fd; }

  // Watches writability too (a writer waits) or no longer.
  bool WatchWritable(uint32_t slot, bool writable);
  // Readiness in `wanted` seen since the last look; the POLLIN/POLLOUT part of it is taken.
  short Take(uint32_t slot, short wanted);
  void Forget(uint32_t slot, short readiness);

  Fiber* waiter(uint32_t slot) const { return slots_[slot].waiter; }
  void SetWaiter(uint32_t slot, Fiber* fiber, short wanted);
  void ClearWaiter(uint32_t slot, const Fiber* fiber);

  // An epoll event for a watch: notes the readiness; returns the waiter it wakes (taken off the
  // slot) and what it wakes it with, or a null waiter.
  struct Wakeup {
    Fiber* fiber = nullptr;
    short revents = 0;
  };
  Wakeup OnEvent(uint64_t token, short revents);

 private:
  struct Slot {
    int fd = -1;
    uint32_t generation = 0;
    Fiber* waiter = nullptr;
    short wanted = 0;  // what the waiter waits for
    short ready = 0;   // readiness seen and not taken yet
  };
  bool Register(uint32_t slot, int op, bool writable);

  const int epoll_fd_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
};

}  // namespace nexus::gateway::io

#endif  // NEXUS_GATEWAY_IO_WATCH_TABLE_H_
