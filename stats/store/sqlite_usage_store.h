#ifndef NEXUS_STATS_STORE_SQLITE_USAGE_STORE_H_
#define NEXUS_STATS_STORE_SQLITE_USAGE_STORE_H_

#include <memory>
#include <string>

#include "services/clock/clock.h"
#include "services/sqlite/database.h"
#include "stats/domain/range_split.h"
#include "stats/store/group_committer.h"
#include "stats/store/usage_ingest.h"
#include "stats/store/usage_store.h"

namespace nexus::stats {

// When stored events are folded into the rollups (see RollupFolder). Queries add the unfolded
// raw rows, so these trade commit work against the raw rows a query reads.
struct FoldOptions {
  // A commit also folds when this many stored events are not folded yet.
  int64_t max_unfolded_events = 4000;
  // ... or when the last fold is this old.
  absl::Duration max_interval = absl::Seconds(1);
  // With no batch for this long after a write, the writer folds in a transaction of its own.
  absl::Duration idle_delay = absl::Milliseconds(200);
};

struct SqliteUsageStoreOptions {
  sqlite::DatabaseOptions database{};
  // Its idle_delay is taken from `fold`.
  GroupCommitter::Options commit{};
  FoldOptions fold{};
  // Says when a minute is over, so that it is folded into the hour and day rollups, and when
  // the last fold is old; nullptr = the system clock.
  const Clock* clock = nullptr;
};

// UsageStore on one SQLite database (WAL, one writer). A commit stores the raw log rows; the
// minute, hour and day rollups are derived from them every few thousand events or every second
// (see RollupFolder and FoldOptions), in a later write transaction, while queries stay exact.
// Concurrent Insert calls are group-committed (see GroupCommitter): one writer thread stores
// every waiting batch in a single transaction, so the commit's fsync is shared.
class SqliteUsageStore : public UsageStore {
 public:
  // Opens or creates the database at `path` (":memory:" is not supported: readers need a file).
  static absl::StatusOr<std::unique_ptr<SqliteUsageStore>> Open(
      const std::string& path, const SqliteUsageStoreOptions& options = {});

  absl::StatusOr<std::vector<bool>> Insert(std::span<const UsageEvent> events) override;
  absl::StatusOr<std::vector<BreakdownRow>> Sum(const Filter& filter, GroupBy group_by) override;
  absl::StatusOr<std::vector<Series>> TimeSeries(const SeriesQuery& query) override;
  absl::StatusOr<RequestPage> ListRequests(const RequestsQuery& query) override;
  absl::StatusOr<int64_t> PruneLog(int64_t before_ms, int max_rows) override;

  // Folds every stored event into the rollups now (normally done every few thousand events,
  // every second, when idle and at shutdown), after the batches already queued.
  absl::Status FoldRollups();

 private:
  SqliteUsageStore(std::unique_ptr<sqlite::Database> db, const SqliteUsageStoreOptions& options);

  // Writes the batches in one transaction, filling each one's `stored`; an empty batch asks for
  // a fold.
  absl::Status WriteGroup(std::span<GroupCommitter::Batch* const> group);
  // Folds what is not folded yet in a transaction of its own (the writer is idle).
  void FoldWhenIdle();
  // Inside a write transaction: the ingest state, created and loaded when needed.
  UsageIngest& Ingest(SQLite::Database& db);
  // Inside a write transaction: folds when `forced` or FoldOptions say so; true when it did.
  bool FoldIfDue(UsageIngest& ingest, absl::Time now, bool forced);

  SystemClock system_clock_;
  const Clock& clock_;
  const FoldOptions fold_options_;
  std::unique_ptr<sqlite::Database> db_;
  // Prepared on the writer connection at the first write; used only on the writer thread,
  // inside db_->Write.
  std::unique_ptr<UsageIngest> ingest_;
  // Writer thread only.
  absl::Time last_fold_;
  // Declared last: its writer thread uses the members above and stops first.
  GroupCommitter committer_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_SQLITE_USAGE_STORE_H_
