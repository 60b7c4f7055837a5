#include "stats/store/group_committer.h"

#include <pthread.h>

#include <chrono>
#include <utility>

namespace nexus::stats {

GroupCommitter::GroupCommitter(WriteFn write, Options options, IdleFn idle)
    : write_(std::move(write)),
      options_(options),
      idle_(std::move(idle)),
      writer_([this] { Run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  writer_.join();
}

absl::StatusOr<std::vector<bool>> GroupCommitter::Submit(std::span<const UsageEvent> events) {
  Pending pending{.batch = {.events = events}};
  std::unique_lock lock(mutex_);
  if (stopping_) return absl::UnavailableError("the stats store is shutting down");
  queue_.push_back(&pending);
  queued_events_ += events.size();
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return pending.done; });
  if (!pending.status.ok()) return pending.status;
  return std::move(pending.batch.stored);
}

size_t GroupCommitter::queued_batches() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool GroupCommitter::WaitForWork(std::unique_lock<std::mutex>& lock) {
  work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) return false;
  if (options_.linger > absl::ZeroDuration() && queued_events_ < options_.linger_events &&
      !stopping_) {
    // Bounded: a lone caller waits at most `linger` longer than it would have.
    work_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.linger),
                      [&] { return stopping_ || queued_events_ >= options_.linger_events; });
  }
  return true;
}

std::vector<GroupCommitter::Pending*> GroupCommitter::TakeGroup() {
  std::vector<Pending*> group;
  size_t events = 0;
  while (!queue_.empty() && (group.empty() || events < options_.max_group_events)) {
    Pending* next = queue_.front();
    if (!group.empty() && events + next->batch.events.size() > options_.max_group_events) break;
    events += next->batch.events.size();
    group.push_back(next);
    queue_.pop_front();
  }
  queued_events_ -= events;
  return group;
}

bool GroupCommitter::Quiet(std::unique_lock<std::mutex>& lock) {
  if (idle_ == nullptr || options_.idle_delay == absl::InfiniteDuration()) return false;
  return !work_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.idle_delay),
                            [&] { return stopping_ || !queue_.empty(); });
}

void GroupCommitter::Run() {
  // Visible in top -H and to the benchmark, which reports this thread's CPU time per event.
  pthread_setname_np(pthread_self(), "stats-writer");
  std::unique_lock lock(mutex_);
  bool idle_due = false;  // written since `idle_` last ran
  while (true) {
    if (idle_due && Quiet(lock)) {
      lock.unlock();
      idle_();
      lock.lock();
      idle_due = false;
    }
    if (!WaitForWork(lock)) break;
    idle_due = true;
    std::vector<Pending*> group = TakeGroup();
    lock.unlock();
    std::vector<Batch*> batches;
    batches.reserve(group.size());
    for (Pending* pending : group) batches.push_back(&pending->batch);
    absl::Status status = write_(batches);
    lock.lock();
    for (Pending* pending : group) {
      pending->status = status;
      pending->done = true;
    }
    done_cv_.notify_all();
  }
  if (idle_due && idle_ != nullptr) {
    lock.unlock();
    idle_();
  }
}

}  // namespace nexus::stats
