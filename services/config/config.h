#ifndef NEXUS_SERVICES_CONFIG_CONFIG_H_
#define NEXUS_SERVICES_CONFIG_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nexus::config {

// One setting: a flag `--name=value` that also reads the environment variable `env`.
struct SettingSpec {
  std::string name;
  std::string env;
  std::string default_value;
  std::string help;
  // Secrets never appear in Describe() or in error messages.
  bool secret = false;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment.
std::optional<std::string> ProcessEnv(const std::string& name);

// Raw settings resolved from flags over environment over defaults. Typed accessors collect every
// problem so that a service reports all bad settings at once, naming flag and variable.
class Config {
 public:
  // Accepts `--name=value`, `--name value` and `--help`. Unknown flags are errors.
  static absl::StatusOr<Config> Load(std::span<const SettingSpec> specs, int argc,
                                     const char* const* argv, const EnvLookup& env = ProcessEnv);

  // Text for --help: every setting with its variable, default and help.
  static std::string Usage(std::string_view program, std::span<const SettingSpec> specs);

  bool help_requested() const { return help_requested_; }

  std::string GetString(std::string_view name) const;
  int64_t GetInt(std::string_view name, int64_t min, int64_t max);
  bool GetBool(std::string_view name);
  absl::Duration GetDuration(std::string_view name, absl::Duration min, absl::Duration max);
  // Records a validation failure for `name` (for checks the typed getters cannot express).
  void AddError(std::string_view name, std::string_view problem);

  // OK, or INVALID_ARGUMENT listing every problem recorded by the getters and AddError.
  absl::Status Validate() const;

  // "name=value" lines, secrets shown as "(set)" or "(unset)".
  std::string Describe() const;

 private:
  struct Value {
    const SettingSpec* spec;
    std::string value;
    std::string source;  // "flag", "env" or "default"
  };
  const Value& Find(std::string_view name) const;

  std::map<std::string, Value, std::less<>> values_;
  std::vector<std::string> errors_;
  bool help_requested_ = false;
};

}  // namespace nexus::config

#endif  // NEXUS_SERVICES_CONFIG_CONFIG_H_
