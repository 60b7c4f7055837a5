#include "stats/store/sqlite_usage_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/strings/absl_view.h"
#include "stats/store/dimension_clause.h"
#include "stats/store/usage_ingest.h"
#include "stats/store/usage_reader.h"
#include "stats/store/usage_schema.h"

namespace nexus::stats {
namespace {

constexpr const char* kLogColumns =
    "request_id, timestamp_ms, key_id, provider_id, model, upstream_model, conversation_id, "
    "prompt_tokens, completion_tokens, total_tokens, token_source, streamed, endpoint, "
    "http_status, error_type, latency_ms, time_to_first_token_ms, upstream_latency_ms, id";

UsageEvent EventFromRow(SQLite::Statement& row) {
  UsageEvent e;
  e.request_id = row.getColumn(0).getString();
  e.timestamp_ms = row.getColumn(1).getInt64();
  e.key_id = row.getColumn(2).getInt64();
  e.provider_id = row.getColumn(3).getInt64();
  e.model = row.getColumn(4).getString();
  e.upstream_model = row.getColumn(5).getString();
  e.conversation_id = row.getColumn(6).getString();
  e.prompt_tokens = row.getColumn(7).getInt64();
  e.completion_tokens = row.getColumn(8).getInt64();
  e.total_tokens = row.getColumn(9).getInt64();
  e.token_source = row.getColumn(10).getInt();
  e.streamed = row.getColumn(11).getInt() != 0;
  e.endpoint = row.getColumn(12).getInt();
  e.http_status = row.getColumn(13).getInt();
  e.error_type = row.getColumn(14).getString();
  e.latency_ms = row.getColumn(15).getInt64();
  e.time_to_first_token_ms = row.getColumn(16).getInt64();
  e.upstream_latency_ms = row.getColumn(17).getInt64();
  return e;
}

// Page tokens are "<timestamp_ms>.<row id>" of the last row served: the next page starts below.
absl::Status ParsePageToken(const std::string& token, int64_t* timestamp_ms, int64_t* id) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], timestamp_ms) ||
      !absl::SimpleAtoi(parts[1], id)) {
    return absl::InvalidArgumentError(absl::StrCat("page_token '", token, "' is not valid"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteUsageStore>> SqliteUsageStore::Open(
    const std::string& path, const SqliteUsageStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open(path, UsageMigrations(), options.database);
  if (!db.ok()) return db.status();
  // The writer touches the request_id index at random places: a large page cache keeps it warm.
  absl::Status tuned = (*db)->Write([](SQLite::Database& writer) {
    writer.exec("PRAGMA cache_size = -262144");
    // Every commit rewrites random request_id index pages, and a checkpoint copies only the
    // newest copy of each page: checkpointing every ~160 MB of WAL instead of the default ~4 MB
    // copies each hot page once per many commits instead of once per commit. Durability is
    // unchanged (every commit still syncs the WAL); the cost is a WAL file of up to ~160 MB and
    // a longer WAL scan when the database is opened after a crash.
    writer.execAndGet("PRAGMA wal_autocheckpoint = 40000");
    // Checkpoints and index lookups read database pages through a read-only mapping instead of
    // a pread per page (SQLite never writes through it).
    writer.execAndGet("PRAGMA mmap_size = 1073741824");
    return absl::OkStatus();
  });
  if (!tuned.ok()) return tuned;
  auto store = std::unique_ptr<SqliteUsageStore>(new SqliteUsageStore(std::move(*db), options));
  // Catches the rollups up with the raw rows a crash left unfolded.
  if (absl::Status folded = store->FoldRollups(); !folded.ok()) return folded;
  return store;
}

namespace {

GroupCommitter::Options CommitOptions(const SqliteUsageStoreOptions& options) {
  GroupCommitter::Options commit = options.commit;
  commit.idle_delay = options.fold.idle_delay;
  return commit;
}

}  // namespace

SqliteUsageStore::SqliteUsageStore(std::unique_ptr<sqlite::Database> db,
                                   const SqliteUsageStoreOptions& options)
    : clock_(options.clock != nullptr ? *options.clock : system_clock_),
      fold_options_(options.fold),
      db_(std::move(db)),
      last_fold_(clock_.Now()),
      committer_(
          [this](std::span<GroupCommitter::Batch* const> group) { return WriteGroup(group); },
          CommitOptions(options), [this] { FoldWhenIdle(); }) {}

absl::StatusOr<std::vector<bool>> SqliteUsageStore::Insert(std::span<const UsageEvent> events) {
  if (events.empty()) return std::vector<bool>{};
  return committer_.Submit(events);
}

absl::Status SqliteUsageStore::FoldRollups() { return committer_.Submit({}).status(); }

UsageIngest& SqliteUsageStore::Ingest(SQLite::Database& db) {
  if (ingest_ == nullptr) ingest_ = std::make_unique<UsageIngest>(db);
  ingest_->Begin();
  return *ingest_;
}

bool SqliteUsageStore::FoldIfDue(UsageIngest& ingest, absl::Time now, bool forced) {
  const int64_t unfolded = ingest.unfolded_events();
  if (!forced && unfolded < fold_options_.max_unfolded_events &&
      (unfolded == 0 || now - last_fold_ < fold_options_.max_interval)) {
    return false;
  }
  // A minute goes into the hour and day rollups once the next one is over too: events arrive a
  // little after their timestamps, and late ones are still counted exactly (they update every
  // level at once).
  ingest.Fold(absl::ToUnixMillis(now) - kMinuteMs);
  return true;
}

absl::Status SqliteUsageStore::WriteGroup(std::span<GroupCommitter::Batch* const> group) {
  std::vector<const UsageEvent*> events;
  bool fold_asked = false;
  for (const GroupCommitter::Batch* batch : group) {
    fold_asked = fold_asked || batch->events.empty();
    for (const UsageEvent& event : batch->events) events.push_back(&event);
  }
  const absl::Time now = clock_.Now();
  bool folded = false;
  absl::Status status = db_->Write([&](SQLite::Database& db) {
    UsageIngest& ingest = Ingest(db);
    std::vector<bool> stored;
    ingest.Add(events, stored);
    auto next = stored.begin();
    for (GroupCommitter::Batch* batch : group) {
      batch->stored.assign(next, next + static_cast<std::ptrdiff_t>(batch->events.size()));
      next += static_cast<std::ptrdiff_t>(batch->events.size());
    }
    folded = FoldIfDue(ingest, now, fold_asked);
    return absl::OkStatus();
  });
  if (!status.ok() && ingest_ != nullptr) ingest_->Abort();
  if (status.ok() && folded) last_fold_ = now;
  return status;
}

void SqliteUsageStore::FoldWhenIdle() {
  const absl::Time now = clock_.Now();
  bool folded = false;
  absl::Status status = db_->Write([&](SQLite::Database& db) {
    UsageIngest& ingest = Ingest(db);
    folded = ingest.unfolded_events() > 0 && FoldIfDue(ingest, now, true);
    return absl::OkStatus();
  });
  // On failure the next commit folds (the unfolded rows stay exact for readers meanwhile).
  if (!status.ok() && ingest_ != nullptr) ingest_->Abort();
  if (status.ok() && folded) last_fold_ = now;
}

absl::StatusOr<std::vector<BreakdownRow>> SqliteUsageStore::Sum(const Filter& filter,
                                                                GroupBy group_by) {
  GroupedMetrics sums;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    ReadRange(db, filter.start_ms, filter.end_ms, Level::kDay,
              ReadSpec{.filter = filter, .group_by = group_by}, sums);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::vector<BreakdownRow> rows;
  for (auto& [key, metrics] : sums) rows.push_back({key.second, metrics});
  std::stable_sort(rows.begin(), rows.end(), [](const BreakdownRow& a, const BreakdownRow& b) {
    return a.metrics.total_tokens > b.metrics.total_tokens;
  });
  return rows;
}

absl::StatusOr<std::vector<Series>> SqliteUsageStore::TimeSeries(const SeriesQuery& query) {
  const int64_t width = BucketWidthMs(query.bucket);
  const Level coarsest = static_cast<Level>(static_cast<int>(query.bucket));
  GroupedMetrics sums;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    ReadRange(
        db, query.filter.start_ms, query.filter.end_ms, coarsest,
        ReadSpec{.filter = query.filter, .group_by = query.group_by, .series_width_ms = width},
        sums);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::map<std::string, Series> by_group;
  for (auto& [key, metrics] : sums) {
    Series& series = by_group[key.second];
    series.group = key.second;
    series.points.push_back({key.first, metrics});
  }
  std::vector<Series> out;
  for (auto& [group, series] : by_group) {
    std::sort(series.points.begin(), series.points.end(),
              [](const SeriesPoint& a, const SeriesPoint& b) {
                return a.bucket_start_ms < b.bucket_start_ms;
              });
    out.push_back(std::move(series));
  }
  return out;
}

absl::StatusOr<RequestPage> SqliteUsageStore::ListRequests(const RequestsQuery& query) {
  int64_t after_ms = query.filter.end_ms;
  int64_t after_id = 0;
  bool has_token = !query.page_token.empty();
  if (has_token) {
    if (absl::Status s = ParsePageToken(query.page_token, &after_ms, &after_id); !s.ok()) return s;
  }
  RequestPage page;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    DimensionClause dims(query.filter, "");
    std::string sql = absl::StrCat("SELECT ", kLogColumns,
                                   " FROM request_log WHERE timestamp_ms >= ? AND timestamp_ms < ?",
                                   has_token ? " AND (timestamp_ms < ? OR (timestamp_ms = ? AND "
                                               "id < ?))"
                                             : "",
                                   dims.sql(), " ORDER BY timestamp_ms DESC, id DESC LIMIT ?");
    SQLite::Statement s(db, sql);
    int i = 1;
    s.bind(i++, query.filter.start_ms);
    s.bind(i++, query.filter.end_ms);
    if (has_token) {
      s.bind(i++, after_ms);
      s.bind(i++, after_ms);
      s.bind(i++, after_id);
    }
    i = dims.Bind(s, i);
    s.bind(i, query.page_size + 1);
    int64_t last_id = 0;
    while (s.executeStep()) {
      if (static_cast<int>(page.events.size()) == query.page_size) {
        const UsageEvent& last = page.events.back();
        page.next_page_token = absl::StrCat(last.timestamp_ms, ".", last_id);
        break;
      }
      page.events.push_back(EventFromRow(s));
      last_id = s.getColumn(18).getInt64();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<int64_t> SqliteUsageStore::PruneLog(int64_t before_ms, int max_rows) {
  int64_t deleted = 0;
  absl::Status status = db_->Write([&](SQLite::Database& db) {
    // Rows from the row mark on stay: the unfolded ones are not in the rollups yet, and the
    // newest folded one keeps new rows' ids above the mark (rowids are max + 1).
    SQLite::Statement s(db,
                        "DELETE FROM request_log WHERE id IN (SELECT id FROM request_log WHERE "
                        "timestamp_ms < ? AND id < (SELECT folded_through_id FROM rollup_fold) "
                        "ORDER BY timestamp_ms LIMIT ?)");
    s.bind(1, before_ms);
    s.bind(2, max_rows);
    deleted = s.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return deleted;
}

}  // namespace nexus::stats
