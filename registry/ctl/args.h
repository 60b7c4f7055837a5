#ifndef NEXUS_REGISTRY_CTL_ARGS_H_
#define NEXUS_REGISTRY_CTL_ARGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nexus::ctl {

// A usage mistake (bad flag, missing argument): exit code 2 rather than a server error.
absl::Status UsageError(std::string_view message);
bool IsUsageError(const absl::Status& status);

struct FlagSpec {
  std::string_view name;  // without the leading "--"
  bool takes_value;
};

// Arguments of one sub-command: positionals and "--flag value" / "--flag=value" / "--switch".
class ParsedArgs {
 public:
  static absl::StatusOr<ParsedArgs> Parse(std::span<const std::string> args,
                                          std::span<const FlagSpec> flags);

  const std::vector<std::string>& positionals() const { return positionals_; }
  bool Has(std::string_view flag) const { return values_.contains(std::string(flag)); }
  std::optional<std::string> Get(std::string_view flag) const;
  // Typed readers: nullopt when absent, a usage error naming the flag when malformed.
  absl::StatusOr<std::optional<int64_t>> GetInt(std::string_view flag, int64_t min,
                                                int64_t max) const;
  absl::StatusOr<std::optional<bool>> GetBool(std::string_view flag) const;

  // Exactly `count` positionals, else a usage error quoting `usage`.
  absl::Status ExpectPositionals(size_t count, std::string_view usage) const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::string, std::less<>> values_;
};

// "a,b, c" → {"a","b","c"}; "" and "*" → {} (every model).
std::vector<std::string> SplitList(std::string_view text);

}  // namespace nexus::ctl

#endif  // NEXUS_REGISTRY_CTL_ARGS_H_
