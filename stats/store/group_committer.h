#ifndef NEXUS_STATS_STORE_GROUP_COMMITTER_H_
#define NEXUS_STATS_STORE_GROUP_COMMITTER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "stats/domain/usage.h"

namespace nexus::stats {

// Group commit: callers submit batches of events from any thread; one writer thread takes every
// batch queued so far (up to a cap) and hands them to `write` together, which stores them in one
// transaction. Every caller waits until the transaction holding its batch finished: a batch is
// acknowledged only after its commit, and when a commit fails, every batch in it gets that
// error (nothing of them is stored, so the senders can simply retry).
//
// One fsync per commit is the price of durability; sharing it between the batches of many
// concurrent calls is what makes small batches cheap.
class GroupCommitter {
 public:
  struct Batch {
    std::span<const UsageEvent> events;
    // Filled by `write`: per event, true when stored now, false for a duplicate.
    std::vector<bool> stored{};
  };
  // Stores all batches in one transaction, or nothing of them and returns an error.
  using WriteFn = std::function<absl::Status(std::span<Batch* const>)>;
  // Background work of the writer thread (see Options::idle_delay).
  using IdleFn = std::function<void()>;

  struct Options {
    // A group takes batches until it holds at least this many events (a larger single batch
    // still goes alone), so one transaction stays short.
    size_t max_group_events = 20'000;
    // When the writer finds fewer than `linger_events` events queued, it waits up to `linger`
    // for more to arrive before it writes (zero: write at once).
    absl::Duration linger = absl::ZeroDuration();
    size_t linger_events = 0;
    // `idle` runs on the writer thread when no batch arrived for this long after a write, and
    // once more before the writer stops if anything was written since (infinite: never).
    absl::Duration idle_delay = absl::InfiniteDuration();
  };

  GroupCommitter(WriteFn write, Options options, IdleFn idle = nullptr);
  // Writes what is still queued, runs `idle`, then stops the writer thread.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Blocks until the batch's transaction committed (its `stored` flags) or failed (its error).
  absl::StatusOr<std::vector<bool>> Submit(std::span<const UsageEvent> events);

  // Batches waiting for the writer (not counting the group being written).
  size_t queued_batches();

 private:
  struct Pending {
    Batch batch;
    absl::Status status{};
    bool done = false;
  };

  void Run();
  // Waits (with queue_mutex_ held through `lock`) for work; false when stopping with none left.
  bool WaitForWork(std::unique_lock<std::mutex>& lock);
  // Waits up to idle_delay for work; true when none came (and `idle` is set).
  bool Quiet(std::unique_lock<std::mutex>& lock);
  std::vector<Pending*> TakeGroup();

  WriteFn write_;
  Options options_;
  IdleFn idle_;
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<Pending*> queue_;
  size_t queued_events_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_GROUP_COMMITTER_H_
