#ifndef NEXUS_GATEWAY_ACCOUNTING_STATS_USAGE_REPORTER_H_
#define NEXUS_GATEWAY_ACCOUNTING_STATS_USAGE_REPORTER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/accounting/spool.h"
#include "gateway/accounting/stats_client.h"
#include "gateway/accounting/usage_sink.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/clock/clock.h"
#include "services/log/logger.h"

namespace nexus::gateway {

struct StatsUsageReporterOptions {
  // Events held in memory between Record and delivery; allocated up front.
  size_t queue_capacity = 8192;
  // Once the queue holds this many events (stats slow or down), a second thread moves batches to
  // the spool so that Record keeps finding room. 0 means half the capacity.
  size_t spill_threshold = 0;
  // A batch is sent when it is full or when its oldest event waited `linger`.
  size_t max_batch_events = 500;
  absl::Duration linger = absl::Milliseconds(200);
  absl::Duration rpc_timeout = absl::Seconds(5);
  // After a failed call, batches go straight to the spool and the next attempt waits this long,
  // doubling up to `retry_max`.
  absl::Duration retry_initial = absl::Milliseconds(500);
  absl::Duration retry_max = absl::Seconds(30);
  // While a linger or retry timer runs, the injected clock is checked at least this often.
  absl::Duration poll_interval = absl::Milliseconds(50);
  // Used by the destructor when Shutdown was not called.
  absl::Duration default_shutdown_deadline = absl::Seconds(5);
  // Drops are logged at most this often (with the count since the last line).
  absl::Duration drop_log_interval = absl::Seconds(5);
};

// Monotonic counts since construction, plus two current levels, for /metrics.
struct UsageReporterCounters {
  uint64_t queued = 0;    // Accepted by Record into the memory queue.
  uint64_t sent = 0;      // Acknowledged by stats straight from the queue (incl. duplicates).
  uint64_t spooled = 0;   // Written to the spool.
  uint64_t replayed = 0;  // Acknowledged by stats from the spool (incl. duplicates).
  uint64_t dropped = 0;   // Lost: memory queue full while spilling lagged, or spool full/failing.
  uint64_t rejected = 0;  // Refused by stats as invalid; logged with the reason and not retried.
  uint64_t corrupt_records = 0;  // Spool records skipped on replay (torn writes).
  uint64_t spool_errors = 0;     // Spool writes that failed (disk full, I/O error); see dropped.
  uint64_t queue_depth = 0;
  uint64_t spool_bytes = 0;
  bool stats_reachable = true;  // False while calls to stats are failing.
};

// UsageSink that delivers events to the stats service in batches over RecordUsage, from a
// background thread. An event counts as delivered when the call returned OK (stats commits before
// answering). When stats is unreachable or slow, events go to the Spool and are replayed, oldest
// segment first, once stats answers again; a segment is removed only after every event in it was
// acknowledged. Stats deduplicates by request_id, so resending after a partial failure is safe.
// Previously spooled events (an earlier run) are replayed from the start.
class StatsUsageReporter : public UsageSink {
 public:
  // Starts the sender and spill threads. `clock` must outlive the reporter.
  StatsUsageReporter(std::shared_ptr<StatsClient> stats, std::unique_ptr<Spool> spool,
                     const Clock& clock, log::Logger logger,
                     StatsUsageReporterOptions options = {});
  // Over gRPC (GrpcStatsClient).
  StatsUsageReporter(std::shared_ptr<nexus::stats::v1::Stats::StubInterface> stub,
                     std::unique_ptr<Spool> spool, const Clock& clock, log::Logger logger,
                     StatsUsageReporterOptions options = {});
  ~StatsUsageReporter() override;

  StatsUsageReporter(const StatsUsageReporter&) = delete;
  StatsUsageReporter& operator=(const StatsUsageReporter&) = delete;

  // O(1) and lock-brief: moves the event into the memory queue and returns; never does I/O (except
  // after Shutdown, when events go straight to the spool rather than being lost).
  void Record(nexus::stats::v1::UsageEvent event) override;

  // Sends what is queued to stats until `deadline` passes, spools the rest, stops the threads.
  // Idempotent.
  void Shutdown(absl::Duration deadline);

  UsageReporterCounters Counters() const;

 private:
  using Events = std::vector<nexus::stats::v1::UsageEvent>;
  using SteadyTime = std::chrono::steady_clock::time_point;

  void SenderLoop();
  void SpillLoop();
  void FlushOnShutdown();
  Events PopLocked(size_t max);
  void DeliverOrSpool(Events batch);
  void ReplayNextBatch();
  // Sends events[begin, end); `*acknowledged` is how many from `begin` on stats acknowledged or
  // rejected as invalid (a whole-call INVALID_ARGUMENT is narrowed down by halving).
  absl::Status SendRange(const Events& events, size_t begin, size_t end, size_t* acknowledged,
                         std::atomic<uint64_t>& ack_counter);
  // rpc_timeout, cut to what is left of the shutdown deadline once stopping.
  absl::Duration CallTimeout();
  void SpoolEvents(const Events& events, size_t begin);
  void MarkUp();
  void MarkDown(const absl::Status& status);
  void MaybeLogDrops(bool force);
  // Counts a failed spool write and logs it: the first at once, then at most once per
  // drop_log_interval with the number of failures since.
  void SpoolWriteFailed(const absl::Status& status);
  void SpoolWriteSucceeded();
  // Refreshes spool_bytes_, which the sender reads instead of asking the spool (whose lock can be
  // held through an fsync) while holding the queue lock that Record needs.
  void UpdateSpoolBytes();

  const std::shared_ptr<StatsClient> stats_;
  const std::unique_ptr<Spool> spool_;
  const Clock& clock_;
  const log::Logger logger_;
  const StatsUsageReporterOptions options_;
  const size_t spill_threshold_;

  mutable std::mutex mutex_;
  std::condition_variable sender_wakeup_;
  std::condition_variable spill_wakeup_;
  // Ring buffer of queue_capacity slots, allocated once.
  std::vector<nexus::stats::v1::UsageEvent> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
  bool stopping_ = false;
  bool shut_down_ = false;
  bool sender_done_ = false;
  SteadyTime shutdown_deadline_;
  // The call the sender is waiting on, so that Shutdown can cancel it at its deadline.
  UsageCall* inflight_ = nullptr;
  std::condition_variable sender_finished_;

  // Sender thread only.
  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Duration backoff_;
  std::optional<SpoolSegment> replay_segment_;
  size_t replay_offset_ = 0;

  std::mutex spool_bytes_mutex_;
  std::mutex drop_log_mutex_;
  uint64_t drops_logged_ = 0;
  uint64_t queue_full_drops_logged_ = 0;
  absl::Time last_drop_log_ = absl::InfinitePast();
  bool spool_failing_ = false;
  uint64_t spool_errors_logged_ = 0;
  absl::Time last_spool_error_log_ = absl::InfinitePast();

  std::atomic<uint64_t> queued_{0};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> spooled_{0};
  std::atomic<uint64_t> replayed_{0};
  std::atomic<uint64_t> dropped_{0};
  // The part of dropped_ lost because the memory queue was full (the rest: spool full or failing).
  std::atomic<uint64_t> dropped_queue_full_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> corrupt_records_{0};
  std::atomic<uint64_t> spool_errors_{0};
  std::atomic<uint64_t> spool_bytes_{0};
  std::atomic<bool> stats_reachable_{true};

  std::thread spill_thread_;
  std::thread sender_thread_;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_STATS_USAGE_REPORTER_H_
