#ifndef NEXUS_GATEWAY_IO_BLOCKING_POOL_H_
#define NEXUS_GATEWAY_IO_BLOCKING_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nexus::gateway::io {

// Threads for work that blocks (RunBlocking): a task runs on an idle thread or a new one, so a
// slow task never queues behind another. Threads stay for reuse: their number is the most
// blocking calls that were ever in flight at once.
class BlockingPool {
 public:
  BlockingPool() = default;
  // Waits for the running tasks and joins every thread.
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void Post(std::function<void()> task);
  // Threads started so far.
  size_t threads() const;

 private:
  void Worker();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  size_t idle_ = 0;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

}  // namespace nexus::gateway::io

#endif  // NEXUS_GATEWAY_IO_BLOCKING_POOL_H_
