#ifndef NEXUS_STATS_APP_LOG_PRUNER_H_
#define NEXUS_STATS_APP_LOG_PRUNER_H_

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "services/clock/clock.h"
#include "services/log/logger.h"
#include "stats/store/usage_store.h"

namespace nexus::stats {

// Deletes raw request-log rows older than the retention in small batches on a background thread,
// so that ingest never waits long behind a big delete. Rollups are never touched.
class LogPruner {
 public:
  LogPruner(UsageStore& store, const Clock& clock, absl::Duration retention,
            const log::Logger& logger, absl::Duration interval = absl::Minutes(1));
  ~LogPruner();

  // One full pass: batches until nothing older than the retention is left. Returns rows deleted.
  int64_t PruneOnce();
  void Start();
  void Stop();

 private:
  void Run();

  UsageStore& store_;
  const Clock& clock_;
  absl::Duration retention_;
  log::Logger logger_;
  absl::Duration interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_APP_LOG_PRUNER_H_
