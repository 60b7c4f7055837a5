#ifndef NEXUS_STATS_STORE_SQLITE_USAGE_STORE_H_
#define NEXUS_STATS_STORE_SQLITE_USAGE_STORE_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "services/sqlite/database.h"
#include "stats/domain/range_split.h"
#include "stats/store/usage_ingest.h"
#include "stats/store/usage_store.h"

namespace nexus::stats {

// UsageStore on one SQLite database (WAL, one writer). Each insert writes the raw log row and
// updates the minute, hour and day rollups (per provider × model × key and over everything) in
// the same transaction. Concurrent Insert calls are group-committed: one caller writes every
// waiting batch in a single transaction, so the cost of the commit's fsync is shared.
class SqliteUsageStore : public UsageStore {
 public:
  // Opens or creates the database at `path` (":memory:" is not supported: readers need a file).
  static absl::StatusOr<std::unique_ptr<SqliteUsageStore>> Open(
      const std::string& path, const sqlite::DatabaseOptions& options = {});

  absl::StatusOr<std::vector<bool>> Insert(std::span<const UsageEvent> events) override;
  absl::StatusOr<std::vector<BreakdownRow>> Sum(const Filter& filter, GroupBy group_by) override;
  absl::StatusOr<std::vector<Series>> TimeSeries(const SeriesQuery& query) override;
  absl::StatusOr<RequestPage> ListRequests(const RequestsQuery& query) override;
  absl::StatusOr<int64_t> PruneLog(int64_t before_ms, int max_rows) override;

 private:
  struct PendingBatch {
    std::span<const UsageEvent> events;
    std::vector<bool> stored{};
    absl::Status status{};
    bool done = false;
  };

  explicit SqliteUsageStore(std::unique_ptr<sqlite::Database> db);

  // Writes the batches in one transaction, filling each one's `stored` (not `done`).
  absl::Status WriteGroup(std::span<PendingBatch* const> group);
  void WriteAndFinish(std::deque<PendingBatch*> group);

  std::unique_ptr<sqlite::Database> db_;
  // Prepared on the writer connection at the first write; used only inside db_->Write.
  std::unique_ptr<UsageIngest> ingest_;
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<PendingBatch*> queue_;
  bool writer_busy_ = false;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_SQLITE_USAGE_STORE_H_
