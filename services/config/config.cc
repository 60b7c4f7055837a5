#include "services/config/config.h"

#include <cstdlib>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/strings/absl_view.h"

namespace nexus::config {

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

absl::StatusOr<Config> Config::Load(std::span<const SettingSpec> specs, int argc,
                                    const char* const* argv, const EnvLookup& env) {
  Config config;
  for (const SettingSpec& spec : specs) {
    Value value{&spec, spec.default_value, "default"};
    if (auto from_env = env(spec.env); from_env.has_value()) {
      value.value = *from_env;
      value.source = "env";
    }
    config.values_.emplace(spec.name, std::move(value));
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      config.help_requested_ = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", Av(arg), "'"));
    }
    arg.remove_prefix(2);
    std::string name;
    std::string value;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    } else {
      name = std::string(arg);
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
      value = argv[++i];
    }
    auto it = config.values_.find(name);
    if (it == config.values_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help for the settings)"));
    }
    it->second.value = std::move(value);
    it->second.source = "flag";
  }
  return config;
}

std::string Config::Usage(std::string_view program, std::span<const SettingSpec> specs) {
  std::string out = absl::StrCat("Usage: ", Av(program), " [--setting=value ...]\n\nSettings:\n");
  for (const SettingSpec& spec : specs) {
    absl::StrAppend(&out, "  --", spec.name, " (env ", spec.env, ")");
    if (!spec.default_value.empty() && !spec.secret) {
      absl::StrAppend(&out, " default: ", spec.default_value);
    }
    absl::StrAppend(&out, "\n      ", spec.help, "\n");
  }
  return out;
}

const Config::Value& Config::Find(std::string_view name) const {
  auto it = values_.find(name);
  // Asking for a setting that was never declared is a programming error, not bad input.
  if (it == values_.end()) throw std::logic_error(absl::StrCat("undeclared setting ", Av(name)));
  return it->second;
}

std::string Config::GetString(std::string_view name) const { return Find(name).value; }

int64_t Config::GetInt(std::string_view name, int64_t min, int64_t max) {
  const Value& v = Find(name);
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(v.value, &parsed) || parsed < min || parsed > max) {
    AddError(name, absl::StrCat("must be an integer from ", min, " to ", max, ", got '",
                                v.spec->secret ? "(secret)" : v.value, "'"));
    // The spec's default is a valid integer by construction.
    (void)absl::SimpleAtoi(v.spec->default_value, &parsed);
  }
  return parsed;
}

bool Config::GetBool(std::string_view name) {
  const Value& v = Find(name);
  std::string lower = absl::AsciiStrToLower(v.value);
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off" || lower.empty()) {
    return false;
  }
  AddError(name, absl::StrCat("must be true or false, got '", v.value, "'"));
  return false;
}

absl::Duration Config::GetDuration(std::string_view name, absl::Duration min, absl::Duration max) {
  const Value& v = Find(name);
  absl::Duration parsed;
  if (!absl::ParseDuration(v.value, &parsed) || parsed < min || parsed > max) {
    AddError(name, absl::StrCat("must be a duration such as 500ms, 30s or 5m from ",
                                absl::FormatDuration(min), " to ", absl::FormatDuration(max),
                                ", got '", v.value, "'"));
    absl::ParseDuration(v.spec->default_value, &parsed);
  }
  return parsed;
}

void Config::AddError(std::string_view name, std::string_view problem) {
  const Value& v = Find(name);
  errors_.push_back(absl::StrCat("--", Av(name), " (", v.spec->env, "): ", Av(problem)));
}

absl::Status Config::Validate() const {
  if (errors_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("invalid settings:\n  ", absl::StrJoin(errors_, "\n  ")));
}

std::string Config::Describe() const {
  std::string out;
  for (const auto& [name, v] : values_) {
    std::string shown = v.spec->secret ? (v.value.empty() ? "(unset)" : "(set)") : v.value;
    absl::StrAppend(&out, name, "=", shown, " [", v.source, "]\n");
  }
  return out;
}

}  // namespace nexus::config
