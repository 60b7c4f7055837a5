#ifndef NEXUS_GATEWAY_UPSTREAM_CHAT_BODY_H_
#define NEXUS_GATEWAY_UPSTREAM_CHAT_BODY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace nexus::gateway {

// Token counts as an OpenAI "usage" object reports them.
struct TokenUsage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  // prompt + completion when the provider leaves it out.
  int64_t total_tokens = 0;

  friend bool operator==(const TokenUsage&, const TokenUsage&) = default;
};

// Receives completion text as it is found: choices[].delta (streams) or choices[].message
// (JSON): content, reasoning_content / reasoning, refusal, and tool-call (or legacy
// function_call) names and arguments, joined per choice per chunk. For local token counting.
using CompletionTextFn = std::function<void(int choice_index, std::string_view text)>;

struct ChatBodyOptions {
  // Replaces the client's "model".
  std::string upstream_model;
  // When the call streams, make sure stream_options.include_usage is true upstream.
  bool ask_stream_usage = false;
  // Added when the client sent no "stream" (the simplified dialect uses true).
  std::optional<bool> default_stream;
  // Added when the client sent no "temperature" (the simplified dialect uses 0.7).
  std::optional<double> default_temperature;
};

struct PreparedChatBody {
  // What to send upstream.
  std::string body;
  // The call streams ("stream": true, given or defaulted).
  bool stream = false;
  // The client itself asked for stream_options.include_usage: true (pass the usage chunk on).
  bool client_wants_usage = false;
};

// Rewrites a chat (or embeddings) request body for the upstream. Every byte the client sent is
// kept except the edited members: "model" (always), "stream" and "temperature" (when defaulted),
// and "stream_options" (when usage is asked for and the client did not ask itself). `body_json`
// must be a JSON object (the decoder validated it); INVALID_ARGUMENT when "model" is missing or
// not a string, or "stream" / "stream_options" have the wrong type.
absl::StatusOr<PreparedChatBody> PrepareChatRequestBody(std::string_view body_json,
                                                        const ChatBodyOptions& options);
absl::StatusOr<PreparedChatBody> PrepareChatRequestBody(std::string_view body_json,
                                                        std::string_view upstream_model,
                                                        bool ask_stream_usage);

// The "usage" of a non-streaming answer (chat completion or embeddings), or nullopt when it has
// none; INVALID_ARGUMENT when `body` is not JSON. `on_text`, when given, receives each choice's
// message text for local counting. Parses without building a document.
absl::StatusOr<std::optional<TokenUsage>> ExtractJsonUsage(std::string_view body,
                                                           const CompletionTextFn& on_text = {});

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_CHAT_BODY_H_
