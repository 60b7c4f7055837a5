#include "gateway/tokenizer/token_counter.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/tokenizer/estimator.h"
#include "services/strings/absl_view.h"

namespace nexus::tokenizer {
namespace {

constexpr std::string_view kEstimate = "estimate";
constexpr int64_t kReplyPriming = 3;  // <|start|>assistant<|message|>

std::string_view ChoiceName(const TokenizerChoice& choice) {
  return choice.encoding ? EncodingName(*choice.encoding) : kEstimate;
}

absl::Status FieldError(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(Av(field), ": ", Av(problem)));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const EncodingSet>> EncodingSet::Load() {
  absl::StatusOr<std::unique_ptr<Encoding>> cl100k = Encoding::Load(EncodingId::kCl100kBase);
  if (!cl100k.ok()) return cl100k.status();
  absl::StatusOr<std::unique_ptr<Encoding>> o200k = Encoding::Load(EncodingId::kO200kBase);
  if (!o200k.ok()) return o200k.status();
  return std::shared_ptr<const EncodingSet>(new EncodingSet(std::move(*cl100k), std::move(*o200k)));
}

int64_t TokenCounter::Tokens(const TokenizerChoice& choice, std::string_view text) const {
  if (!choice.encoding) return EstimateTokens(text);
  return static_cast<int64_t>(encodings_->Get(*choice.encoding).Count(text));
}

absl::StatusOr<TokenCount> TokenCounter::CountText(std::string_view model,
                                                   std::string_view explicit_tokenizer,
                                                   std::string_view text) const {
  absl::StatusOr<TokenizerChoice> choice = ChooseTokenizer(model, explicit_tokenizer);
  if (!choice.ok()) return choice.status();
  return TokenCount{Tokens(*choice, text), ChoiceName(*choice), choice->encoding.has_value()};
}

absl::StatusOr<TokenCount> TokenCounter::CountChat(std::string_view model,
                                                   std::string_view explicit_tokenizer,
                                                   const nlohmann::json& messages) const {
  absl::StatusOr<TokenizerChoice> choice = ChooseTokenizer(model, explicit_tokenizer);
  if (!choice.ok()) return choice.status();
  if (!messages.is_array()) return FieldError("messages", "must be an array");
  TokenCount count{0, ChoiceName(*choice), choice->encoding.has_value()};
  for (size_t i = 0; i < messages.size(); ++i) {
    if (absl::Status s = CountMessage(*choice, messages[i], i, &count); !s.ok()) return s;
  }
  count.tokens += kReplyPriming;
  return count;
}

absl::Status TokenCounter::CountMessage(const TokenizerChoice& choice,
                                        const nlohmann::json& message, size_t index,
                                        TokenCount* count) const {
  const std::string field = absl::StrCat("messages[", index, "]");
  if (!message.is_object()) return FieldError(field, "must be an object");
  const auto role = message.find("role");
  if (role == message.end() || !role->is_string()) {
    return FieldError(field + ".role", "must be a string");
  }
  const bool legacy = choice.chat_format == ChatFormat::kLegacy;
  count->tokens += legacy ? 4 : 3;
  for (const auto& [key, value] : message.items()) {
    if (key == "content") {
      if (absl::Status s = CountContent(choice, value, index, count); !s.ok()) return s;
    } else if (key == "tool_calls") {
      // Tool calls are framed in a way OpenAI does not document: count their text, not exact.
      if (!value.is_array()) return FieldError(field + ".tool_calls", "must be an array");
      for (const nlohmann::json& call : value) {
        const nlohmann::json function =
            call.is_object() ? call.value("function", nlohmann::json()) : nlohmann::json();
        if (!function.is_object()) continue;
        for (const char* part : {"name", "arguments"}) {
          const auto it = function.find(part);
          if (it != function.end() && it->is_string()) {
            count->tokens += Tokens(choice, it->get_ref<const std::string&>());
          }
        }
      }
      count->exact = false;
    } else if (value.is_string()) {
      count->tokens += Tokens(choice, value.get_ref<const std::string&>());
      if (key == "name") count->tokens += legacy ? -1 : 1;
    } else if (key == "name") {
      return FieldError(field + ".name", "must be a string");
    } else if (!value.is_null()) {
      count->exact = false;  // e.g. audio or refusal objects: not counted
    }
  }
  return absl::OkStatus();
}

absl::Status TokenCounter::CountContent(const TokenizerChoice& choice,
                                        const nlohmann::json& content, size_t index,
                                        TokenCount* count) const {
  const std::string field = absl::StrCat("messages[", index, "].content");
  if (content.is_null()) return absl::OkStatus();
  if (content.is_string()) {
    count->tokens += Tokens(choice, content.get_ref<const std::string&>());
    return absl::OkStatus();
  }
  if (!content.is_array()) {
    return FieldError(field, "must be a string, an array of content parts or null");
  }
  for (size_t k = 0; k < content.size(); ++k) {
    const nlohmann::json& part = content[k];
    const std::string part_field = absl::StrCat(field, "[", k, "]");
    if (!part.is_object()) return FieldError(part_field, "must be an object");
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string()) {
      return FieldError(part_field + ".type", "must be a string");
    }
    if (*type == "text") {
      const auto text = part.find("text");
      if (text == part.end() || !text->is_string()) {
        return FieldError(part_field + ".text", "must be a string");
      }
      count->tokens += Tokens(choice, text->get_ref<const std::string&>());
    } else {
      count->exact = false;  // images, audio, files: priced by the provider, not by text
    }
  }
  return absl::OkStatus();
}

}  // namespace nexus::tokenizer
