#ifndef NEXUS_REGISTRY_CTL_TABLE_H_
#define NEXUS_REGISTRY_CTL_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

namespace nexus::ctl {

// A plain text table whose columns are padded to their widest cell (counted in UTF-8 code
// points, so names with accents still line up).
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  void Print(std::ostream& out) const;
  size_t row_count() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Label: value lines for one record, labels padded to the same width.
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace nexus::ctl

#endif  // NEXUS_REGISTRY_CTL_TABLE_H_
