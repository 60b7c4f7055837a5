#ifndef NEXUS_STATS_STORE_ROLLUP_FOLDER_H_
#define NEXUS_STATS_STORE_ROLLUP_FOLDER_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stats/domain/query.h"
#include "stats/domain/range_split.h"
#include "stats/store/usage_schema.h"

namespace nexus::stats {

// A minute rollup row's key: what the deltas of events not yet folded are summed by.
struct RollupKey {
  int64_t bucket_ms = 0;
  int64_t provider_id = 0;
  std::string model{};
  int64_t key_id = 0;
  auto operator<=>(const RollupKey&) const = default;
};
using RollupDeltas = std::map<RollupKey, Metrics>;

// Keeps the rollup tables derived from the raw request log, off the commit path.
//
// A commit stores raw rows; their rollup deltas wait here in memory (`pending()`), summed per
// minute × provider × model × key. Every so often a write transaction also calls Fold(), which
// writes the sums into the rollups once per row and moves the row mark
// (`rollup_fold.folded_through_id`) to the newest raw row, in that same transaction. So the
// rollups always hold exactly the raw rows up to the mark; readers add the few rows after it
// from the raw log (see ReadRange), every answer is exact at any moment, and a crash loses
// nothing: Load() rebuilds the deltas from the raw rows after the mark.
//
// Minutes: the minute rollups get every delta; the hour and day rollups get a delta only when
// its minute is before the minute mark (`folded_before_ms`). Fold() then adds each finished
// minute to the hour and day rollups (one INSERT … SELECT per table) and moves that mark, so the
// rows of the current hour and day are rewritten about once a minute, not at every fold.
//
// Conversations: a late event that becomes a conversation's first request takes the count from
// the old first request (-1 in the old one's bucket). When the old request is already folded,
// the move is also kept in `conversation_moves` until the next fold, so that readers and Load()
// can take the count off the old request's rollup row.
//
// Lives as long as the writer connection (statements prepared once); used only inside its
// write transactions. Throws SQLite::Exception like SQLiteCpp does.
class RollupFolder {
 public:
  explicit RollupFolder(SQLite::Database& db);

  // Reads the marks and rebuilds the deltas of the raw rows after the row mark: at the first
  // write, and after a failed transaction (whose deltas were added here but not stored).
  void Load();
  bool loaded() const { return loaded_; }
  void Invalidate() { loaded_ = false; }

  // Deltas of stored events not folded yet; the commit path adds to them.
  RollupDeltas& pending() { return pending_; }
  void CountPending(int64_t events) { pending_events_ += events; }
  int64_t pending_events() const { return pending_events_; }
  int64_t folded_through_id() const { return folded_through_id_; }

  // `first_ms` … `key_id` of a folded first request that just lost its conversation.
  void RecordMove(int64_t first_ms, int64_t provider_id, const std::string& model, int64_t key_id);

  // Writes the pending deltas into the rollups and moves the row mark to `through_id` (the
  // newest raw row), then folds the minutes before `fold_before_ms` (floored to a minute) into
  // the hour and day rollups.
  void Fold(int64_t through_id, int64_t fold_before_ms);

 private:
  struct RollupUpsert {
    Level level;
    Rollup rollup;
    std::unique_ptr<SQLite::Statement> statement;
  };

  // The key of `rollup` at bucket width `width` that a minute key's deltas add to.
  static RollupKey Project(const RollupKey& key, Rollup rollup, int64_t width);
  void Upsert(SQLite::Statement& upsert, Rollup rollup, const RollupDeltas& rows);
  void FoldMinutes(int64_t fold_before_ms);

  SQLite::Database& db_;
  // Per level (minute, hour, day) and rollup table, its prepared upsert.
  std::vector<RollupUpsert> upserts_;
  // Per hour and day rollup table: adds the minute rows of [?1, ?2) into it.
  std::vector<std::unique_ptr<SQLite::Statement>> folds_;
  SQLite::Statement set_marks_;
  SQLite::Statement put_move_;
  SQLite::Statement clear_moves_;
  RollupDeltas pending_;
  int64_t pending_events_ = 0;
  int64_t moves_ = 0;
  int64_t folded_before_ms_ = 0;
  int64_t folded_through_id_ = 0;
  bool loaded_ = false;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_ROLLUP_FOLDER_H_
