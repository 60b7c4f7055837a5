#include "stats/app/log_pruner.h"

#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::stats {
namespace {

constexpr int kBatchRows = 2000;

}  // namespace

LogPruner::LogPruner(UsageStore& store, const Clock& clock, absl::Duration retention,
                     const log::Logger& logger, absl::Duration interval)
    : store_(store), clock_(clock), retention_(retention), logger_(logger), interval_(interval) {}

LogPruner::~LogPruner() { Stop(); }

int64_t LogPruner::PruneOnce() {
  if (retention_ <= absl::ZeroDuration()) return 0;
  const int64_t cutoff = absl::ToUnixMillis(clock_.Now() - retention_);
  int64_t total = 0;
  while (true) {
    absl::StatusOr<int64_t> deleted = store_.PruneLog(cutoff, kBatchRows);
    if (!deleted.ok()) {
      logger_.Warning(
          absl::StrCat("pruning the request log failed: ", deleted.status().ToString()));
      break;
    }
    total += *deleted;
    if (*deleted < kBatchRows) break;
    std::unique_lock lock(mutex_);
    if (stopping_) break;
  }
  if (total > 0) logger_.Info(absl::StrCat("pruned ", total, " request-log rows past retention"));
  return total;
}

void LogPruner::Start() {
  if (retention_ <= absl::ZeroDuration() || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void LogPruner::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogPruner::Run() {
  while (true) {
    PruneOnce();
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stopping_; });
    if (stopping_) return;
  }
}

}  // namespace nexus::stats
