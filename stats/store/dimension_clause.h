#ifndef NEXUS_STATS_STORE_DIMENSION_CLAUSE_H_
#define NEXUS_STATS_STORE_DIMENSION_CLAUSE_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "stats/domain/query.h"

namespace nexus::stats {

// " AND p.provider_id IN (?,?) AND ..." for a filter's dimensions; Bind() fills the parameters
// in the same order.
class DimensionClause {
 public:
  DimensionClause(const Filter& filter, const std::string& prefix) : filter_(filter) {
    Append(prefix + "provider_id", filter.provider_ids.size());
    Append(prefix + "model", filter.models.size());
    Append(prefix + "key_id", filter.key_ids.size());
  }
  const std::string& sql() const { return sql_; }
  // Returns the index after the last parameter bound.
  int Bind(SQLite::Statement& statement, int first_index) const {
    int i = first_index;
    for (int64_t id : filter_.provider_ids) statement.bind(i++, id);
    for (const std::string& model : filter_.models) statement.bind(i++, model);
    for (int64_t id : filter_.key_ids) statement.bind(i++, id);
    return i;
  }

 private:
  void Append(const std::string& column, size_t values) {
    if (values == 0) return;
    std::vector<std::string> marks(values, "?");
    absl::StrAppend(&sql_, " AND ", column, " IN (", absl::StrJoin(marks, ","), ")");
  }
  const Filter& filter_;
  std::string sql_;
};

}  // namespace nexus::stats

#endif  // NEXUS_STATS_STORE_DIMENSION_CLAUSE_H_
