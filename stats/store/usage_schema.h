#ifndef NEXUS_STATS_STORE_USAGE_SCHEMA_H_
#define NEXUS_STATS_STORE_USAGE_SCHEMA_H_

#include <span>
#include <string>

#include "services/sqlite/database.h"
#include "stats/domain/range_split.h"

namespace nexus::stats {

// The forward-only migrations of stats.db.
std::span<const sqlite::Migration> UsageMigrations();

// Rollup table of a level: by provider × model × key ("rollup_hour"), or over everything
// ("rollup_hour_all"), which unfiltered queries read because it is far smaller.
std::string RollupTable(Level level, bool dimensional);

// "requests, new_conversations, ..., h0, ..., h39": the additive columns of every rollup table.
const std::string& MetricColumns();

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_USAGE_SCHEMA_H_
