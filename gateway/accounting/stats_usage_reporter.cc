#include "gateway/accounting/stats_usage_reporter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/accounting/grpc_stats_client.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

using nexus::stats::v1::RecordUsageRequest;
using nexus::stats::v1::RecordUsageResponse;

std::chrono::nanoseconds ToChrono(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

}  // namespace

StatsUsageReporter::StatsUsageReporter(std::shared_ptr<nexus::stats::v1::Stats::StubInterface> stub,
                                       std::unique_ptr<Spool> spool, const Clock& clock,
                                       log::Logger logger, StatsUsageReporterOptions options)
    : StatsUsageReporter(std::make_shared<GrpcStatsClient>(std::move(stub)), std::move(spool),
                         clock, std::move(logger), options) {}

StatsUsageReporter::StatsUsageReporter(std::shared_ptr<StatsClient> stats,
                                       std::unique_ptr<Spool> spool, const Clock& clock,
                                       log::Logger logger, StatsUsageReporterOptions options)
    : stats_(std::move(stats)),
      spool_(std::move(spool)),
      clock_(clock),
      logger_(std::move(logger)),
      options_([&] {
        options.queue_capacity = std::max<size_t>(options.queue_capacity, 1);
        options.max_batch_events = std::max<size_t>(options.max_batch_events, 1);
        return options;
      }()),
      spill_threshold_(options_.spill_threshold > 0
                           ? std::min(options_.spill_threshold, options_.queue_capacity)
                           : std::max<size_t>(options_.queue_capacity / 2, 1)),
      ring_(options_.queue_capacity),
      backoff_(options_.retry_initial) {
  UpdateSpoolBytes();
  spill_thread_ = std::thread([this] { SpillLoop(); });
  sender_thread_ = std::thread([this] { SenderLoop(); });
}

StatsUsageReporter::~StatsUsageReporter() { Shutdown(options_.default_shutdown_deadline); }

void StatsUsageReporter::Record(nexus::stats::v1::UsageEvent event) {
  std::unique_lock lock(mutex_);
  if (shut_down_) {
    lock.unlock();
    Events late;
    late.push_back(std::move(event));
    SpoolEvents(late, 0);
    return;
  }
  if (size_ == ring_.size()) {
    lock.unlock();
    dropped_.fetch_add(1, std::memory_order_relaxed);
    dropped_queue_full_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ring_[(head_ + size_) % ring_.size()] = std::move(event);
  ++size_;
  // Wake the sender only on the transitions it waits for: first event (linger starts) and a full
  // batch; each wake-up is a syscall.
  bool wake_sender = size_ == 1 || size_ == options_.max_batch_events;
  bool wake_spiller = size_ == spill_threshold_;
  lock.unlock();
  queued_.fetch_add(1, std::memory_order_relaxed);
  if (wake_sender) sender_wakeup_.notify_one();
  if (wake_spiller) spill_wakeup_.notify_one();
}

StatsUsageReporter::Events StatsUsageReporter::PopLocked(size_t max) {
  Events batch;
  size_t n = std::min(max, size_);
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(ring_[head_]));
    ring_[head_].Clear();
    head_ = (head_ + 1) % ring_.size();
  }
  size_ -= n;
  return batch;
}

void StatsUsageReporter::SenderLoop() {
  // When the oldest queued event was first seen; InfiniteFuture while the queue is empty.
  absl::Time linger_start = absl::InfiniteFuture();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    absl::Time now = clock_.Now();
    if (size_ == 0) linger_start = absl::InfiniteFuture();
    if (size_ > 0 && linger_start == absl::InfiniteFuture()) linger_start = now;
    if (size_ >= options_.max_batch_events ||
        (size_ > 0 && now - linger_start >= options_.linger)) {
      Events batch = PopLocked(options_.max_batch_events);
      linger_start = absl::InfiniteFuture();
      lock.unlock();
      DeliverOrSpool(std::move(batch));
      MaybeLogDrops(false);
      lock.lock();
      continue;
    }
    bool backlog = replay_segment_.has_value() || spool_bytes_.load(std::memory_order_relaxed) > 0;
    if (backlog && now >= next_attempt_) {
      lock.unlock();
      ReplayNextBatch();
      lock.lock();
      continue;
    }
    absl::Duration wait = absl::InfiniteDuration();
    if (size_ > 0) wait = options_.linger - (now - linger_start);
    if (backlog) wait = std::min(wait, next_attempt_ - now);
    if (wait == absl::InfiniteDuration()) {
      sender_wakeup_.wait(lock);
    } else {
      wait = std::clamp(wait, absl::Milliseconds(1), options_.poll_interval);
      sender_wakeup_.wait_for(lock, ToChrono(wait));
    }
  }
  lock.unlock();
  FlushOnShutdown();
}

void StatsUsageReporter::SpillLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    spill_wakeup_.wait(lock, [this] { return stopping_ || size_ >= spill_threshold_; });
    if (stopping_) return;
    Events batch = PopLocked(options_.max_batch_events);
    lock.unlock();
    SpoolEvents(batch, 0);
    MaybeLogDrops(false);
    lock.lock();
    // The sender may have found queue and spool empty meanwhile and be waiting for new events:
    // tell it there is a backlog to replay. Notifying under the lock it checks under means the
    // wake-up cannot fall between its check and its wait.
    sender_wakeup_.notify_one();
  }
}

void StatsUsageReporter::DeliverOrSpool(Events batch) {
  if (clock_.Now() < next_attempt_) {
    SpoolEvents(batch, 0);
    return;
  }
  size_t acknowledged = 0;
  absl::Status status = SendRange(batch, 0, batch.size(), &acknowledged, sent_);
  if (status.ok()) {
    MarkUp();
    return;
  }
  MarkDown(status);
  SpoolEvents(batch, acknowledged);
}

void StatsUsageReporter::ReplayNextBatch() {
  if (!replay_segment_) {
    absl::StatusOr<std::optional<SpoolSegment>> segment = spool_->ReadOldest();
    if (!segment.ok()) {
      logger_.Error(absl::StrCat("usage spool: ", segment.status().ToString()));
      UpdateSpoolBytes();
      return;
    }
    if (!segment->has_value()) {
      UpdateSpoolBytes();  // the spool is empty: stop looking at it
      return;
    }
    replay_segment_ = std::move(**segment);
    replay_offset_ = 0;
    if (replay_segment_->corrupt_records > 0) {
      corrupt_records_.fetch_add(replay_segment_->corrupt_records, std::memory_order_relaxed);
      logger_.Warning(absl::StrCat("usage spool segment ", replay_segment_->id, ": skipped ",
                                   replay_segment_->corrupt_records,
                                   " corrupt record(s) (torn write after a crash)"));
    }
  }
  const Events& events = replay_segment_->events;
  size_t end = std::min(events.size(), replay_offset_ + options_.max_batch_events);
  size_t acknowledged = 0;
  absl::Status status = end > replay_offset_
                            ? SendRange(events, replay_offset_, end, &acknowledged, replayed_)
                            : absl::OkStatus();
  replay_offset_ += acknowledged;
  if (!status.ok()) {
    MarkDown(status);
    return;
  }
  MarkUp();
  if (replay_offset_ < events.size()) return;
  if (absl::Status removed = spool_->Remove(replay_segment_->id); !removed.ok()) {
    logger_.Error(absl::StrCat("usage spool: ", removed.ToString()));
  }
  replay_segment_.reset();
  UpdateSpoolBytes();
}

absl::Duration StatsUsageReporter::CallTimeout() {
  std::lock_guard lock(mutex_);
  if (!stopping_) return options_.rpc_timeout;
  auto left = shutdown_deadline_ - std::chrono::steady_clock::now();
  return std::min(options_.rpc_timeout, absl::FromChrono(left));
}

absl::Status StatsUsageReporter::SendRange(const Events& events, size_t begin, size_t end,
                                           size_t* acknowledged,
                                           std::atomic<uint64_t>& ack_counter) {
  *acknowledged = 0;
  RecordUsageRequest request;
  request.mutable_events()->Reserve(static_cast<int>(end - begin));
  for (size_t i = begin; i < end; ++i) *request.add_events() = events[i];
  absl::Duration timeout = CallTimeout();
  if (timeout <= absl::ZeroDuration()) return absl::DeadlineExceededError("shutdown deadline");
  const std::unique_ptr<UsageCall> call = stats_->RecordUsage(timeout);
  {
    std::lock_guard lock(mutex_);
    inflight_ = call.get();
  }
  const absl::StatusOr<RecordUsageResponse> response = call->Run(request);
  {
    std::lock_guard lock(mutex_);
    inflight_ = nullptr;
  }
  if (response.ok()) {
    for (const auto& rejected : response->rejected()) {
      logger_.Warning(absl::StrCat("stats rejected usage event ", rejected.request_id(), ": ",
                                   rejected.reason(), " (dropped)"));
    }
    rejected_.fetch_add(response->rejected_size(), std::memory_order_relaxed);
    ack_counter.fetch_add(end - begin - response->rejected_size(), std::memory_order_relaxed);
    *acknowledged = end - begin;
    return absl::OkStatus();
  }
  if (response.status().code() != absl::StatusCode::kInvalidArgument) return response.status();
  // The call as a whole was refused as invalid: find the bad event(s) by halving, so that one bad
  // event is dropped and the good ones still get through.
  if (end - begin == 1) {
    logger_.Warning(absl::StrCat("stats rejected usage event ", events[begin].request_id(), ": ",
                                 response.status().message(), " (dropped)"));
    rejected_.fetch_add(1, std::memory_order_relaxed);
    *acknowledged = 1;
    return absl::OkStatus();
  }
  size_t middle = begin + (end - begin) / 2;
  size_t first = 0;
  absl::Status status = SendRange(events, begin, middle, &first, ack_counter);
  *acknowledged = first;
  if (!status.ok()) return status;
  size_t second = 0;
  status = SendRange(events, middle, end, &second, ack_counter);
  *acknowledged += second;
  return status;
}

void StatsUsageReporter::SpoolEvents(const Events& events, size_t begin) {
  if (begin >= events.size()) return;
  std::span<const nexus::stats::v1::UsageEvent> rest(events.data() + begin, events.size() - begin);
  absl::StatusOr<size_t> stored = spool_->Append(rest);
  size_t count = stored.ok() ? *stored : 0;
  spooled_.fetch_add(count, std::memory_order_relaxed);
  UpdateSpoolBytes();
  if (count < rest.size()) dropped_.fetch_add(rest.size() - count, std::memory_order_relaxed);
  if (stored.ok()) {
    SpoolWriteSucceeded();
  } else {
    SpoolWriteFailed(stored.status());
  }
}

void StatsUsageReporter::SpoolWriteFailed(const absl::Status& status) {
  uint64_t errors = spool_errors_.fetch_add(1, std::memory_order_relaxed) + 1;
  std::lock_guard lock(drop_log_mutex_);
  absl::Time now = clock_.Now();
  // A full disk fails every batch: one line per interval says it all.
  if (spool_failing_ && now - last_spool_error_log_ < options_.drop_log_interval) return;
  logger_.Error(absl::StrCat("usage spool write failed (disk full or I/O error?), ",
                             errors - spool_errors_logged_,
                             " failed write(s) since the last report; usage events that cannot "
                             "reach stats are being lost: ",
                             status.ToString()));
  spool_failing_ = true;
  spool_errors_logged_ = errors;
  last_spool_error_log_ = now;
}

void StatsUsageReporter::SpoolWriteSucceeded() {
  std::lock_guard lock(drop_log_mutex_);
  if (!spool_failing_) return;
  spool_failing_ = false;
  logger_.Info("usage spool writes succeed again");
}

void StatsUsageReporter::MarkUp() {
  if (!stats_reachable_.exchange(true)) {
    logger_.Info("stats answers again; replaying spooled usage events");
  }
  backoff_ = options_.retry_initial;
  next_attempt_ = absl::InfinitePast();
}

void StatsUsageReporter::MarkDown(const absl::Status& status) {
  if (stats_reachable_.exchange(false)) {
    logger_.Warning(absl::StrCat("stats unreachable (", status.ToString(),
                                 "); spooling usage events until it answers"));
  }
  next_attempt_ = clock_.Now() + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.retry_max);
}

void StatsUsageReporter::MaybeLogDrops(bool force) {
  uint64_t dropped = dropped_.load(std::memory_order_relaxed);
  uint64_t queue_full = dropped_queue_full_.load(std::memory_order_relaxed);
  std::lock_guard lock(drop_log_mutex_);
  if (dropped == drops_logged_) return;
  absl::Time now = clock_.Now();
  if (!force && now - last_drop_log_ < options_.drop_log_interval) return;
  // The two counters are read one after the other; keep the split consistent.
  uint64_t new_queue_full =
      std::min(queue_full - queue_full_drops_logged_, dropped - drops_logged_);
  logger_.Error(absl::StrCat("LOST ", dropped - drops_logged_, " usage event(s) (", dropped,
                             " in total): ", new_queue_full,
                             " because the memory queue was full faster than it could be spilled, ",
                             dropped - drops_logged_ - new_queue_full,
                             " because the spool was full or failed; spool holds ",
                             spool_bytes_.load(std::memory_order_relaxed), " bytes"));
  drops_logged_ = dropped;
  queue_full_drops_logged_ += new_queue_full;
  last_drop_log_ = now;
}

void StatsUsageReporter::FlushOnShutdown() {
  while (true) {
    Events batch;
    {
      std::lock_guard lock(mutex_);
      if (size_ == 0 || std::chrono::steady_clock::now() >= shutdown_deadline_ ||
          !stats_reachable_.load()) {
        break;
      }
      batch = PopLocked(options_.max_batch_events);
    }
    size_t acknowledged = 0;
    absl::Status status = SendRange(batch, 0, batch.size(), &acknowledged, sent_);
    if (!status.ok()) {
      MarkDown(status);
      SpoolEvents(batch, acknowledged);
    }
  }
  Events rest;
  {
    std::lock_guard lock(mutex_);
    rest = PopLocked(size_);
    shut_down_ = true;
  }
  SpoolEvents(rest, 0);
  {
    std::lock_guard lock(mutex_);
    sender_done_ = true;
  }
  sender_finished_.notify_all();
}

void StatsUsageReporter::Shutdown(absl::Duration deadline) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    shutdown_deadline_ = std::chrono::steady_clock::now() +
                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             ToChrono(std::max(deadline, absl::ZeroDuration())));
  }
  sender_wakeup_.notify_all();
  spill_wakeup_.notify_all();
  {
    // A call started before Shutdown carries the full rpc_timeout: cut it off at the deadline
    // (its events are then spooled).
    std::unique_lock lock(mutex_);
    if (!sender_finished_.wait_until(lock, shutdown_deadline_, [this] { return sender_done_; }) &&
        inflight_ != nullptr) {
      inflight_->Cancel();
    }
  }
  if (spill_thread_.joinable()) spill_thread_.join();
  if (sender_thread_.joinable()) sender_thread_.join();
  MaybeLogDrops(true);
}

void StatsUsageReporter::UpdateSpoolBytes() {
  std::lock_guard lock(spool_bytes_mutex_);
  spool_bytes_.store(spool_->SizeBytes(), std::memory_order_relaxed);
}

UsageReporterCounters StatsUsageReporter::Counters() const {
  UsageReporterCounters counters;
  {
    std::lock_guard lock(mutex_);
    counters.queue_depth = size_;
  }
  counters.queued = queued_.load(std::memory_order_relaxed);
  counters.sent = sent_.load(std::memory_order_relaxed);
  counters.spooled = spooled_.load(std::memory_order_relaxed);
  counters.replayed = replayed_.load(std::memory_order_relaxed);
  counters.dropped = dropped_.load(std::memory_order_relaxed);
  counters.rejected = rejected_.load(std::memory_order_relaxed);
  counters.corrupt_records = corrupt_records_.load(std::memory_order_relaxed);
  counters.spool_errors = spool_errors_.load(std::memory_order_relaxed);
  counters.spool_bytes = spool_bytes_.load(std::memory_order_relaxed);
  counters.stats_reachable = stats_reachable_.load(std::memory_order_relaxed);
  return counters;
}

}  // namespace nexus::gateway
