#ifndef NEXUS_GATEWAY_IO_FIBER_H_
#define NEXUS_GATEWAY_IO_FIBER_H_

#include <cstdint>
#include <functional>
#include <memory>

// What code running on the gateway's connection fibers uses instead of blocking the thread.
//
// Why fibers: serving each client connection on its own thread costs two thread switches per
// proxied request (waiting for the client, waiting for the upstream). On a small VM a switch
// costs more than everything else the gateway does for a request, and an event loop avoids it by
// handling whatever sockets are ready in one wake-up. Fibers give the event loop's cost with the
// connection's logic still written top to bottom: a fiber that would block parks itself in the
// loop's epoll set and the loop thread runs other fibers meanwhile.
//
// Every function here also works off a fiber (any other thread), where it simply blocks.
namespace nexus::gateway::io {

// Waits until `fd` is ready for `events` (POLLIN and/or POLLOUT) or `timeout_ms` passed
// (negative: no limit; 0: just looks). Returns poll(2)-style revents (POLLIN, POLLOUT, POLLHUP,
// POLLERR, POLLRDHUP), 0 on timeout. Spurious readiness is possible: callers retry their read or
// write and wait again on EAGAIN.
short WaitIo(int fd, short events, int timeout_ms);

class FiberLoop;
struct LoopHandle;

// A socket kept in the calling fiber's event loop for as long as this object lives, so that a
// wait through it costs no system call: the socket stays in the loop's epoll set (edge-triggered)
// and readiness that arrives while nobody waits is remembered. WaitIo instead arms a one-shot
// registration per wait (an epoll_ctl each time). For a socket that one fiber owns from start to
// end (a client connection): create and destroy the watch on that fiber, wait on the socket only
// through it, and destroy it before the socket is closed. Off a fiber it simply polls; on another
// loop's fiber it waits like WaitIo; destroyed anywhere (even after its loop ended) it cleans up.
class EdgeWatch {
 public:
  explicit EdgeWatch(int fd);
  ~EdgeWatch();
  EdgeWatch(const EdgeWatch&) = delete;
  EdgeWatch& operator=(const EdgeWatch&) = delete;

  // As WaitIo(fd, events, timeout_ms).
  short Wait(short events, int timeout_ms);
  // Whether the calling fiber's loop holds the registration (waits here cost no system call).
  bool Local() const;

 private:
  int fd_;
  // The loop the socket is registered with; null: polls (made off a fiber, or epoll refused it).
  std::shared_ptr<LoopHandle> loop_;
  uint32_t slot_ = 0;
};

// Runs `fn`, which may block (a gRPC call, a library's own socket I/O, DNS), where blocking
// stalls nobody else: on a fiber it runs on a helper thread while the fiber is parked; elsewhere
// it runs right here. Returns when `fn` returned.
void RunBlocking(const std::function<void()>& fn);

// True on a connection fiber.
bool OnFiber();

// A pointer-sized slot per fiber (per thread off a fiber), for state that thread_local would
// give one connection's value to another connection's fiber on the same thread.
void*& FiberLocalSlot();

}  // namespace nexus::gateway::io

#endif  // NEXUS_GATEWAY_IO_FIBER_H_
