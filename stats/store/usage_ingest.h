#ifndef NEXUS_STATS_STORE_USAGE_INGEST_H_
#define NEXUS_STATS_STORE_USAGE_INGEST_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "stats/domain/usage.h"
#include "stats/store/rollup_folder.h"

namespace nexus::stats {

// The work of write transactions. The commit path stores raw rows only, many per INSERT OR
// IGNORE statement (request_id UNIQUE decides duplicates), tracks each conversation's first
// request, and leaves the rollup deltas to the RollupFolder, which writes them at Fold().
//
// Lives as long as the writer connection so that its statements are prepared once; used only
// inside write transactions. Call Begin() at the start of every transaction and Abort() after
// one failed. Throws SQLite::Exception like SQLiteCpp does.
class UsageIngest {
 public:
  explicit UsageIngest(SQLite::Database& db);

  // Reloads the state a failed transaction may have left wrong (and at the first write).
  void Begin();
  // The transaction failed: what it added in memory must not be used.
  void Abort() { folder_.Invalidate(); }

  // Stores the new events; `stored[i]` says whether events[i] was new (false: a duplicate, also
  // of an earlier event in `events`).
  void Add(std::span<const UsageEvent* const> events, std::vector<bool>& stored);
  // Folds everything stored so far into the rollups, and the minutes before `fold_before_ms`
  // into the hour and day rollups (see RollupFolder).
  void Fold(int64_t fold_before_ms);

  // Events stored but not folded yet.
  int64_t unfolded_events() const { return folder_.pending_events(); }

 private:
  // Rows per INSERT statement: fewer statement runs per event; 18 parameters a row.
  static constexpr size_t kRowsPerInsert = 50;

  // Inserts `rows` in one statement and fills their `stored` flags.
  void InsertRows(std::span<const UsageEvent* const> rows, std::span<bool> stored);
  // Which of `rows` this statement stored when some were ignored as duplicates.
  void FindStored(std::span<const UsageEvent* const> rows, int64_t newest_before,
                  std::span<bool> stored);
  SQLite::Statement& InsertStatement(size_t rows);
  // Tracks the conversation's first request; true when `event` is that first request now.
  bool TakeConversation(const UsageEvent& event);
  void CountEvent(const UsageEvent& event, bool starts_conversation);

  SQLite::Database& db_;
  // By row count - 1, prepared when first needed.
  std::vector<std::unique_ptr<SQLite::Statement>> inserts_;
  SQLite::Statement find_id_;
  SQLite::Statement find_conversation_;
  SQLite::Statement put_conversation_;
  RollupFolder folder_;
  // Rowid of the newest raw row: rows stored by a statement get the ids after it.
  int64_t newest_row_id_ = 0;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_INGEST_H_
