#include "gateway/tokenizer/model_map.h"

#include <array>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::tokenizer {
namespace {

struct Family {
  std::string_view prefix;
  EncodingId encoding;
};

// Checked in order, so the longer GPT-4 variants come before plain "gpt-4". A prefix matches the
// whole name or the name followed by '-', '.' or ':' ("gpt-4o-mini", "o1-preview", "gpt-4.1").
constexpr std::array kFamilies = {
    Family{"gpt-4o", EncodingId::kO200kBase},
    Family{"chatgpt-4o", EncodingId::kO200kBase},
    Family{"gpt-4.1", EncodingId::kO200kBase},
    Family{"gpt-4.5", EncodingId::kO200kBase},
    Family{"gpt-5", EncodingId::kO200kBase},
    Family{"gpt-oss", EncodingId::kO200kBase},
    Family{"o1", EncodingId::kO200kBase},
    Family{"o3", EncodingId::kO200kBase},
    Family{"o4", EncodingId::kO200kBase},
    Family{"codex-mini", EncodingId::kO200kBase},
    Family{"gpt-4", EncodingId::kCl100kBase},
    Family{"gpt-3.5", EncodingId::kCl100kBase},
    Family{"gpt-35", EncodingId::kCl100kBase},
    Family{"text-embedding-3", EncodingId::kCl100kBase},
    Family{"text-embedding-ada-002", EncodingId::kCl100kBase},
    Family{"davinci-002", EncodingId::kCl100kBase},
    Family{"babbage-002", EncodingId::kCl100kBase},
};

bool HasFamilyPrefix(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return false;
  if (name.size() == prefix.size()) return true;
  const char next = name[prefix.size()];
  return next == '-' || next == '.' || next == ':' || next == '_' || next == '@';
}

// "openai/gpt-4o" -> "gpt-4o", "ft:gpt-4o-mini:org::id" -> "gpt-4o-mini:org::id", lower case.
std::string NormalizeModel(std::string_view model) {
  std::string name = absl::AsciiStrToLower(Av(model));
  if (const size_t slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
  if (name.starts_with("ft:")) name.erase(0, 3);
  return name;
}

}  // namespace

absl::StatusOr<TokenizerChoice> ChooseTokenizer(std::string_view model,
                                                std::string_view explicit_tokenizer) {
  const std::string name = NormalizeModel(model);
  TokenizerChoice choice;
  if (name == "gpt-3.5-turbo-0301") choice.chat_format = ChatFormat::kLegacy;
  if (!explicit_tokenizer.empty()) {
    if (explicit_tokenizer == "estimate") return choice;
    absl::StatusOr<EncodingId> id = ParseEncodingName(explicit_tokenizer);
    if (!id.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tokenizer: unknown tokenizer \"", Av(explicit_tokenizer),
                       "\" (known: cl100k_base, o200k_base, estimate)"));
    }
    choice.encoding = *id;
    return choice;
  }
  if (name.empty()) {
    return absl::InvalidArgumentError("model: required when no tokenizer is given");
  }
  for (const Family& family : kFamilies) {
    if (HasFamilyPrefix(name, family.prefix)) {
      choice.encoding = family.encoding;
      return choice;
    }
  }
  return choice;  // no public encoding: estimate
}

}  // namespace nexus::tokenizer
