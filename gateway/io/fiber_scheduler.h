#ifndef NEXUS_GATEWAY_IO_FIBER_SCHEDULER_H_
#define NEXUS_GATEWAY_IO_FIBER_SCHEDULER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/io/blocking_pool.h"

namespace nexus::gateway::io {

class FiberLoop;

struct FiberSchedulerOptions {
  // Event-loop threads; 0 = one per CPU this process may run on.
  size_t threads = 0;
  // Stack of each fiber (virtual; only touched pages cost memory). A guard page below it turns
  // an overflow into a crash instead of silent corruption.
  size_t stack_bytes = 512 << 10;
};

// Runs tasks as fibers on a few event-loop threads (see fiber.h for why). Each loop thread owns an
// epoll set and a timer set; a parked fiber is resumed by its socket's readiness, its timeout, or
// the end of a RunBlocking call. Tasks are spread over the loops round-robin and stay on theirs.
class FiberScheduler {
 public:
  explicit FiberScheduler(FiberSchedulerOptions options = {});
  // Runs every task already posted to its end, then joins the loop threads.
  ~FiberScheduler();
  FiberScheduler(const FiberScheduler&) = delete;
  FiberScheduler& operator=(const FiberScheduler&) = delete;

  // Starts `task` on a fiber; callable from any thread.
  void Post(std::function<void()> task);
  // Lets every posted task finish, then stops the loops. Idempotent.
  void Shutdown();

  // Tasks posted and not finished yet.
  size_t live() const { return live_.load(std::memory_order_relaxed); }
  size_t threads() const { return loops_.size(); }

 private:
  BlockingPool blocking_;
  std::vector<std::unique_ptr<FiberLoop>> loops_;
  std::atomic<size_t> next_loop_{0};
  std::atomic<size_t> live_{0};
  std::mutex shutdown_mutex_;
  bool shut_down_ = false;
};

}  // namespace nexus::gateway::io

#endif  // NEXUS_GATEWAY_IO_FIBER_SCHEDULER_H_
