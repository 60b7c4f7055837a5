#include "stats/store/usage_reader.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "stats/store/dimension_clause.h"
#include "stats/store/usage_schema.h"

namespace nexus::stats {
namespace {

std::string GroupColumn(GroupBy group_by, const std::string& prefix) {
  switch (group_by) {
    case GroupBy::kProvider:
      return prefix + "provider_id";
    case GroupBy::kModel:
      return prefix + "model";
    case GroupBy::kKey:
      return prefix + "key_id";
    case GroupBy::kNone:
      break;
  }
  return "''";
}

std::string BucketExpression(int64_t width, const std::string& column) {
  return width == 0 ? std::string("0") : absl::StrCat("(", column, " / ", width, ") * ", width);
}

std::string SumColumns() {
  std::string out;
  for (absl::string_view column : absl::StrSplit(MetricColumns(), ", ")) {
    absl::StrAppend(&out, ", SUM(", column, ")");
  }
  return out;
}

Metrics MetricsFromRow(SQLite::Statement& row, int first_column) {
  Metrics m;
  int c = first_column;
  for (int64_t* field : {&m.requests, &m.new_conversations, &m.rounds, &m.prompt_tokens,
                         &m.completion_tokens, &m.total_tokens, &m.errors}) {
    *field = row.getColumn(c++).getInt64();
  }
  for (int64_t& count : m.latency) count = row.getColumn(c++).getInt64();
  return m;
}

void ReadRollup(SQLite::Database& db, Level level, int64_t start, int64_t end, const ReadSpec& spec,
                GroupedMetrics& out) {
  // RollupFor picks a table that has every column the filter and the grouping name.
  const Rollup rollup = RollupFor(spec.filter, spec.group_by);
  DimensionClause dims(spec.filter, "");
  const std::string bucket = BucketExpression(spec.series_width_ms, "bucket_ms");
  const std::string group = GroupColumn(spec.group_by, "");
  SQLite::Statement query(
      db, absl::StrCat("SELECT ", bucket, ", ", group, SumColumns(), " FROM ",
                       RollupTable(level, rollup), " WHERE bucket_ms >= ? AND bucket_ms < ?",
                       dims.sql(), " GROUP BY 1, 2"));
  query.bind(1, start);
  query.bind(2, end);
  dims.Bind(query, 3);
  while (query.executeStep()) {
    out[{query.getColumn(0).getInt64(), query.getColumn(1).getString()}].Add(
        MetricsFromRow(query, 2));
  }
}

bool InRollupPiece(const std::vector<RangePiece>& pieces, int64_t t_ms) {
  for (const RangePiece& piece : pieces) {
    if (piece.level != Level::kRaw && t_ms >= piece.start_ms && t_ms < piece.end_ms) return true;
  }
  return false;
}

// Raw rows of [start, end), summed here the way the rollups sum them. With `unfolded`, only the
// rows after the row mark that fall in a rollup piece: the rollups do not hold them yet.
struct LogRows {
  int64_t start_ms;
  int64_t end_ms;
  const std::vector<RangePiece>* unfolded_in = nullptr;
  int64_t folded_through_id = 0;
};

void ReadLogRows(SQLite::Database& db, const LogRows& rows, const ReadSpec& spec,
                 GroupedMetrics& out) {
  DimensionClause dims(spec.filter, "r.");
  const bool unfolded = rows.unfolded_in != nullptr;
  // The unfolded rows are the newest few thousand: a rowid range, not a time index range.
  const char* where = unfolded ? " WHERE r.id > ? AND +r.timestamp_ms >= ? AND +r.timestamp_ms < ?"
                               : " WHERE r.timestamp_ms >= ? AND r.timestamp_ms < ?";
  SQLite::Statement query(
      db, absl::StrCat("SELECT r.timestamp_ms, ", GroupColumn(spec.group_by, "r."),
                       ", r.conversation_id, r.prompt_tokens, r.completion_tokens, r.total_tokens, "
                       "r.http_status, r.error_type, r.latency_ms, c.first_request_id IS NOT NULL "
                       "FROM request_log r LEFT JOIN conversations c ON c.conversation_id = "
                       "r.conversation_id AND c.first_request_id = r.request_id",
                       where, dims.sql()));
  int i = 1;
  if (unfolded) query.bind(i++, rows.folded_through_id);
  query.bind(i++, rows.start_ms);
  query.bind(i++, rows.end_ms);
  dims.Bind(query, i);
  while (query.executeStep()) {
    UsageEvent e;
    e.timestamp_ms = query.getColumn(0).getInt64();
    if (unfolded && !InRollupPiece(*rows.unfolded_in, e.timestamp_ms)) continue;
    e.conversation_id = query.getColumn(2).getString();
    e.prompt_tokens = query.getColumn(3).getInt64();
    e.completion_tokens = query.getColumn(4).getInt64();
    e.total_tokens = query.getColumn(5).getInt64();
    e.http_status = query.getColumn(6).getInt();
    e.error_type = query.getColumn(7).getString();
    e.latency_ms = query.getColumn(8).getInt64();
    int64_t bucket = spec.series_width_ms == 0 ? 0 : FloorTo(e.timestamp_ms, spec.series_width_ms);
    out[{bucket, query.getColumn(1).getString()}].AddEvent(e, query.getColumn(9).getInt() != 0);
  }
}

// Folded first requests that lost their conversation since the last fold still count it in
// their rollup row (raw pieces see the move in the conversations table already).
void ReadMoves(SQLite::Database& db, int64_t start, int64_t end,
               const std::vector<RangePiece>& pieces, const ReadSpec& spec, GroupedMetrics& out) {
  DimensionClause dims(spec.filter, "");
  SQLite::Statement query(
      db,
      absl::StrCat("SELECT first_ms, ", GroupColumn(spec.group_by, ""),
                   " FROM conversation_moves WHERE first_ms >= ? AND first_ms < ?", dims.sql()));
  query.bind(1, start);
  query.bind(2, end);
  dims.Bind(query, 3);
  while (query.executeStep()) {
    const int64_t first_ms = query.getColumn(0).getInt64();
    if (!InRollupPiece(pieces, first_ms)) continue;
    int64_t bucket = spec.series_width_ms == 0 ? 0 : FloorTo(first_ms, spec.series_width_ms);
    out[{bucket, query.getColumn(1).getString()}].new_conversations -= 1;
  }
}

}  // namespace

void ReadRange(SQLite::Database& db, int64_t start_ms, int64_t end_ms, Level coarsest,
               const ReadSpec& spec, GroupedMetrics& out) {
  const FoldMarks marks = ReadFoldMarks(db);
  // Hours and days from the minute mark on are only in the minute rollups yet.
  std::vector<RangePiece> pieces;
  if (start_ms < marks.folded_before_ms) {
    pieces = SplitRange(start_ms, std::min(end_ms, marks.folded_before_ms), coarsest);
  }
  if (end_ms > marks.folded_before_ms) {
    for (const RangePiece& piece : SplitRange(std::max(start_ms, marks.folded_before_ms), end_ms,
                                              std::min(coarsest, Level::kMinute))) {
      pieces.push_back(piece);
    }
  }
  for (const RangePiece& piece : pieces) {
    if (piece.level == Level::kRaw) {
      ReadLogRows(db, {.start_ms = piece.start_ms, .end_ms = piece.end_ms}, spec, out);
    } else {
      ReadRollup(db, piece.level, piece.start_ms, piece.end_ms, spec, out);
    }
  }
  // The rollups hold the raw rows up to the row mark only (see RollupFolder).
  ReadLogRows(db,
              {.start_ms = start_ms,
               .end_ms = end_ms,
               .unfolded_in = &pieces,
               .folded_through_id = marks.folded_through_id},
              spec, out);
  ReadMoves(db, start_ms, end_ms, pieces, spec, out);
}

}  // namespace nexus::stats
