#ifndef NEXUS_GATEWAY_PIPELINE_CHAT_REQUEST_CHECK_H_
#define NEXUS_GATEWAY_PIPELINE_CHAT_REQUEST_CHECK_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nexus::gateway {

enum class ChatFieldKind { kBool, kNumber, kInteger, kString, kArray, kObject, kStringOrArray };

struct ChatFieldType {
  const char* name;
  ChatFieldKind kind;
};

// Optional chat fields whose type the gateway checks (null means "not given"): wrong types are the
// client's mistake, better reported by us than by whichever upstream happens to serve the model.
// "stream" and "stream_options" come first (the quick check relies on it).
inline constexpr std::array<ChatFieldType, 16> kChatFieldTypes = {{
    {"stream", ChatFieldKind::kBool},
    {"stream_options", ChatFieldKind::kObject},
    {"temperature", ChatFieldKind::kNumber},
    {"top_p", ChatFieldKind::kNumber},
    {"n", ChatFieldKind::kInteger},
    {"max_tokens", ChatFieldKind::kInteger},
    {"max_completion_tokens", ChatFieldKind::kInteger},
    {"presence_penalty", ChatFieldKind::kNumber},
    {"frequency_penalty", ChatFieldKind::kNumber},
    {"stop", ChatFieldKind::kStringOrArray},
    {"tools", ChatFieldKind::kArray},
    {"response_format", ChatFieldKind::kObject},
    {"user", ChatFieldKind::kString},
    {"seed", ChatFieldKind::kInteger},
    {"logit_bias", ChatFieldKind::kObject},
    {"logprobs", ChatFieldKind::kBool},
}};

// What the pipeline needs from a chat request body; the rest stays in the text.
struct ChatRequestSummary {
  std::string model;
  // "stream" as given (nullopt when absent or null).
  std::optional<bool> stream;
  // stream_options.include_usage is true.
  bool client_wants_usage = false;
};

// The fast path of chat request validation: one pass over the body, no document. Returns the
// summary only when the body is certainly valid by every rule RequestDecoder::DecodeChat applies
// (JSON syntax, nesting depth, model, messages, the typed optional fields); nullopt means "not
// sure", and the caller runs DecodeChat for the verdict and its precise error. Anything unusual
// (a checked field given twice, an escaped model name) takes the slow path.
std::optional<ChatRequestSummary> QuickCheckChatRequest(std::string_view body, int max_depth);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_CHAT_REQUEST_CHECK_H_
