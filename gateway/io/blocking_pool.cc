#include "gateway/io/blocking_pool.h"

#include <utility>

namespace nexus::gateway::io {

BlockingPool::~BlockingPool() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& thread : threads) thread.join();
}

void BlockingPool::Post(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
  if (idle_ >= tasks_.size()) {
    wake_.notify_one();
    return;
  }
  threads_.emplace_back([this] { Worker(); });
}

size_t BlockingPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

void BlockingPool::Worker() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    wake_.wait(lock, [this] { return !tasks_.empty() || stopping_; });
    --idle_;
    if (tasks_.empty()) return;  // stopping
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace nexus::gateway::io
