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

struct SqliteUsageStoreOptions {
  sqlite::DatabaseOptions database{};
  GroupCommitter::Options commit{};
  // Says when a minute is over, so that it is folded into the hour and day rollups (see
  // UsageIngest); nullptr = the system clock.
  const Clock* clock = nullptr;
};

// UsageStore on one SQLite database (WAL, one writer). Each insert writes the raw log row and
// updates the minute, hour and day rollups (per provider × model × key and over everything) in
// the same transaction. Concurrent Insert calls are group-committed (see GroupCommitter): one
// writer thread stores every waiting batch in a single transaction, so the commit's fsync is
// shared.
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

 private:
  SqliteUsageStore(std::unique_ptr<sqlite::Database> db, const SqliteUsageStoreOptions& options);

  // Writes the batches in one transaction, filling each one's `stored`.
  absl::Status WriteGroup(std::span<GroupCommitter::Batch* const> group);

  SystemClock system_clock_;
  const Clock& clock_;
  std::unique_ptr<sqlite::Database> db_;
  // Prepared on the writer connection at the first write; used only inside db_->Write.
  std::unique_ptr<UsageIngest> ingest_;
  // Declared last: its writer thread uses the members above and stops first.
  GroupCommitter committer_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_SQLITE_USAGE_STORE_H_
