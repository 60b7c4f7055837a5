#include "stats/store/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace nexus::stats {
namespace {

std::vector<UsageEvent> Batch(const std::string& prefix, int count) {
  std::vector<UsageEvent> events(count);
  for (int i = 0; i < count; ++i) events[i].request_id = absl::StrCat(prefix, "-", i);
  return events;
}

// Waits (bounded, only against hangs) until `committer` has `n` batches queued.
void WaitForQueued(GroupCommitter& committer, size_t n) {
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (committer.queued_batches() < n) {
    ASSERT_LT(absl::Now(), deadline) << "batches never queued";
    absl::SleepFor(absl::Milliseconds(1));
  }
}

// A stand-in for the database: "commits" remember the request ids they stored, so a test can
// check what was acknowledged against what was committed.
class FakeLedger {
 public:
  absl::Status Write(std::span<GroupCommitter::Batch* const> group) {
    std::lock_guard lock(mutex_);
    group_sizes_.push_back(group.size());
    for (GroupCommitter::Batch* batch : group) {
      if (!batch->events.empty() && batch->events[0].request_id.starts_with("poison")) {
        return absl::UnavailableError("disk I/O error");  // nothing of the group is kept
      }
    }
    for (GroupCommitter::Batch* batch : group) {
      batch->stored.clear();
      for (const UsageEvent& e : batch->events) {
        batch->stored.push_back(committed_.insert(e.request_id).second);
      }
    }
    return absl::OkStatus();
  }
  bool Committed(const std::string& id) {
    std::lock_guard lock(mutex_);
    return committed_.contains(id);
  }
  std::vector<size_t> group_sizes() {
    std::lock_guard lock(mutex_);
    return group_sizes_;
  }
  size_t committed_count() {
    std::lock_guard lock(mutex_);
    return committed_.size();
  }

 private:
  std::mutex mutex_;
  std::set<std::string> committed_;
  std::vector<size_t> group_sizes_;
};

GroupCommitter::WriteFn WriteTo(FakeLedger& ledger) {
  return [&ledger](std::span<GroupCommitter::Batch* const> group) { return ledger.Write(group); };
}

// Holds the first commit until Release(), so that a test can queue batches behind it.
class FirstWriteGate {
 public:
  explicit FirstWriteGate(FakeLedger& ledger) : ledger_(ledger) {}

  GroupCommitter::WriteFn WriteFn() {
    return [this](std::span<GroupCommitter::Batch* const> group) {
      if (writes_++ == 0) {
        started_.Notify();
        release_.WaitForNotification();
      }
      return ledger_.Write(group);
    };
  }
  void WaitUntilStarted() { started_.WaitForNotification(); }
  void Release() { release_.Notify(); }

 private:
  FakeLedger& ledger_;
  std::atomic<int> writes_{0};
  absl::Notification started_;
  absl::Notification release_;
};

TEST(GroupCommitterTest, AcknowledgesOnlyAfterTheCommitAndCoalescesWaitingBatches) {
  FakeLedger ledger;
  FirstWriteGate gate(ledger);
  GroupCommitter committer(gate.WriteFn(), {});
  std::atomic<int> acknowledged{0};
  std::thread first([&] {
    auto stored = committer.Submit(Batch("first", 3));
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_TRUE(ledger.Committed("first-2"));
    ++acknowledged;
  });
  gate.WaitUntilStarted();
  std::vector<std::thread> others;
  std::vector<std::vector<UsageEvent>> batches = {Batch("a", 2), Batch("b", 5), Batch("c", 1)};
  for (auto& batch : batches) {
    others.emplace_back([&] {
      auto stored = committer.Submit(batch);
      ASSERT_TRUE(stored.ok()) << stored.status();
      EXPECT_EQ(stored->size(), batch.size());
      for (const UsageEvent& e : batch) EXPECT_TRUE(ledger.Committed(e.request_id));
      ++acknowledged;
    });
  }
  WaitForQueued(committer, 3);
  // The first commit has not finished: nobody may have been acknowledged yet.
  EXPECT_EQ(acknowledged.load(), 0);
  EXPECT_FALSE(ledger.Committed("first-0"));
  gate.Release();
  first.join();
  for (auto& t : others) t.join();
  EXPECT_EQ(acknowledged.load(), 4);
  // The three batches that waited during the first commit shared the second one.
  EXPECT_EQ(ledger.group_sizes(), (std::vector<size_t>{1, 3}));
}

TEST(GroupCommitterTest, AFailedCommitFailsEveryBatchInItAndStoresNothingOfThem) {
  FakeLedger ledger;
  FirstWriteGate gate(ledger);
  GroupCommitter committer(gate.WriteFn(), {});
  std::thread first([&] { EXPECT_TRUE(committer.Submit(Batch("first", 1)).ok()); });
  gate.WaitUntilStarted();
  std::vector<absl::Status> results(3);
  std::vector<std::vector<UsageEvent>> batches = {Batch("good", 2), Batch("poison", 2),
                                                  Batch("fine", 2)};
  std::vector<std::thread> others;
  for (int i = 0; i < 3; ++i) {
    others.emplace_back([&, i] { results[i] = committer.Submit(batches[i]).status(); });
  }
  WaitForQueued(committer, 3);
  gate.Release();
  first.join();
  for (auto& t : others) t.join();
  for (const absl::Status& status : results) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  }
  EXPECT_FALSE(ledger.Committed("good-0"));
  EXPECT_FALSE(ledger.Committed("fine-1"));
  // The committer keeps working after a failed commit, and a retry is stored once.
  auto retried = committer.Submit(batches[0]);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(*retried, (std::vector<bool>{true, true}));
  EXPECT_EQ(ledger.committed_count(), 3u);
}

TEST(GroupCommitterTest, ManyConcurrentSendersLoseAndDoubleNothing) {
  FakeLedger ledger;
  GroupCommitter committer(WriteTo(ledger), {.max_group_events = 50});
  constexpr int kThreads = 8, kBatches = 40, kPerBatch = 7;
  std::vector<std::thread> threads;
  std::atomic<int> stored_now{0}, duplicates{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        // Pairs of threads send the same ids: each id must be stored exactly once.
        auto stored = committer.Submit(Batch(absl::StrCat(t / 2, "-", b), kPerBatch));
        ASSERT_TRUE(stored.ok()) << stored.status();
        for (bool is_new : *stored) ++(is_new ? stored_now : duplicates);
      }
    });
  }
  for (auto& t : threads) t.join();
  const int distinct = kThreads / 2 * kBatches * kPerBatch;
  EXPECT_EQ(stored_now.load(), distinct);
  EXPECT_EQ(duplicates.load(), distinct);
  EXPECT_EQ(ledger.committed_count(), static_cast<size_t>(distinct));
  for (size_t size : ledger.group_sizes()) EXPECT_LE(size, 7u);  // 50 events / 7 per batch
}

TEST(GroupCommitterTest, ALargeBatchGoesAloneAndTheCapSplitsGroups) {
  FakeLedger ledger;
  FirstWriteGate gate(ledger);
  GroupCommitter committer(gate.WriteFn(), {.max_group_events = 10});
  std::thread first([&] { EXPECT_TRUE(committer.Submit(Batch("first", 1)).ok()); });
  gate.WaitUntilStarted();
  std::vector<std::thread> others;
  others.emplace_back([&] { EXPECT_TRUE(committer.Submit(Batch("big", 25)).ok()); });
  WaitForQueued(committer, 1);
  for (const char* name : {"x", "y", "z"}) {
    others.emplace_back([&, name] { EXPECT_TRUE(committer.Submit(Batch(name, 4)).ok()); });
  }
  WaitForQueued(committer, 4);
  gate.Release();
  first.join();
  for (auto& t : others) t.join();
  // first | big (over the cap, alone) | x+y (8) | z (8 + 4 would pass 10).
  EXPECT_EQ(ledger.group_sizes(), (std::vector<size_t>{1, 1, 2, 1}));
  EXPECT_EQ(ledger.committed_count(), 1u + 25 + 12);
}

TEST(GroupCommitterTest, LingerWaitsForMoreBatchesButIsBounded) {
  FakeLedger ledger;
  // A lone batch below the linger threshold is still written (after at most the linger).
  GroupCommitter committer(WriteTo(ledger),
                           {.linger = absl::Milliseconds(5), .linger_events = 1000});
  auto stored = committer.Submit(Batch("lone", 2));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, (std::vector<bool>{true, true}));
}

TEST(GroupCommitterTest, IdleWorkRunsOnTheWriterAfterAQuietSpellAndOnceMoreAtShutdown) {
  FakeLedger ledger;
  std::atomic<int> idle_runs{0};
  std::atomic<size_t> groups_seen_by_idle{0};
  {
    GroupCommitter committer(WriteTo(ledger), {.idle_delay = absl::Milliseconds(1)}, [&] {
      groups_seen_by_idle = ledger.group_sizes().size();
      ++idle_runs;
    });
    ASSERT_TRUE(committer.Submit(Batch("a", 3)).ok());
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (idle_runs.load() == 0) {
      ASSERT_LT(absl::Now(), deadline) << "idle never ran";
      absl::SleepFor(absl::Milliseconds(1));
    }
    // It ran after the write, and not again while nothing was written.
    EXPECT_EQ(groups_seen_by_idle.load(), 1u);
    ASSERT_TRUE(committer.Submit(Batch("b", 2)).ok());
  }
  // The second write's idle run happened before the writer stopped (quiet spell or shutdown).
  EXPECT_GE(idle_runs.load(), 2);
  EXPECT_EQ(groups_seen_by_idle.load(), 2u);
}

TEST(GroupCommitterTest, WithoutAnIdleDelayIdleWorkRunsOnlyAtShutdownAfterWrites) {
  FakeLedger ledger;
  int idle_runs = 0;
  {
    GroupCommitter unused(WriteTo(ledger), {}, [&] { ++idle_runs; });
  }
  EXPECT_EQ(idle_runs, 0);  // nothing written, nothing to do
  {
    GroupCommitter committer(WriteTo(ledger), {}, [&] { ++idle_runs; });
    ASSERT_TRUE(committer.Submit(Batch("a", 1)).ok());
    ASSERT_TRUE(committer.Submit(Batch("b", 1)).ok());
  }
  EXPECT_EQ(idle_runs, 1);
}

}  // namespace
}  // namespace nexus::stats
