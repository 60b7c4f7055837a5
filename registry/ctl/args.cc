#include "registry/ctl/args.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/strings/absl_view.h"

namespace nexus::ctl {
namespace {

constexpr char kUsagePayload[] = "nexus.ctl/usage";

}  // namespace

absl::Status UsageError(std::string_view message) {
  absl::Status status(absl::StatusCode::kInvalidArgument, Av(message));
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::StatusOr<ParsedArgs> ParsedArgs::Parse(std::span<const std::string> args,
                                             std::span<const FlagSpec> flags) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      for (++i; i < args.size(); ++i) out.positionals_.push_back(args[i]);
      break;
    }
    if (!arg.starts_with("--")) {
      out.positionals_.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(2);
    std::string name(arg.substr(0, arg.find('=')));
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& f : flags) {
      if (f.name == name) spec = &f;
    }
    if (spec == nullptr) return UsageError(absl::StrCat("unknown flag --", name));
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      if (!spec->takes_value) {
        return UsageError(absl::StrCat("flag --", name, " takes no value"));
      }
      out.values_[name] = std::string(arg.substr(eq + 1));
    } else if (spec->takes_value) {
      if (i + 1 >= args.size()) return UsageError(absl::StrCat("flag --", name, " needs a value"));
      out.values_[name] = args[++i];
    } else {
      out.values_[name] = "";
    }
  }
  return out;
}

std::optional<std::string> ParsedArgs::Get(std::string_view flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::optional<int64_t>> ParsedArgs::GetInt(std::string_view flag, int64_t min,
                                                          int64_t max) const {
  std::optional<std::string> text = Get(flag);
  if (!text.has_value()) return std::optional<int64_t>();
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < min || value > max) {
    return UsageError(absl::StrCat("--", Av(flag), ": must be an integer from ", min, " to ", max,
                                   ", got '", *text, "'"));
  }
  return std::optional<int64_t>(value);
}

absl::StatusOr<std::optional<bool>> ParsedArgs::GetBool(std::string_view flag) const {
  std::optional<std::string> text = Get(flag);
  if (!text.has_value()) return std::optional<bool>();
  std::string lower = absl::AsciiStrToLower(*text);
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") return false;
  return UsageError(absl::StrCat("--", Av(flag), ": must be true or false, got '", *text, "'"));
}

absl::Status ParsedArgs::ExpectPositionals(size_t count, std::string_view usage) const {
  if (positionals_.size() == count) return absl::OkStatus();
  return UsageError(
      absl::StrCat(positionals_.size() < count ? "missing argument" : "too many arguments",
                   "; usage: nexusctl ", Av(usage)));
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  if (text == "*") return out;
  for (absl::string_view part : absl::StrSplit(Av(text), ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

}  // namespace nexus::ctl
