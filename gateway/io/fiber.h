#ifndef NEXUS_GATEWAY_IO_FIBER_H_
#define NEXUS_GATEWAY_IO_FIBER_H_

#include <functional>

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
