#ifndef NEXUS_GATEWAY_PIPELINE_CHAT_REQUEST_DECODER_H_
#define NEXUS_GATEWAY_PIPELINE_CHAT_REQUEST_DECODER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/pipeline/chat_pipeline.h"
#include "nlohmann/json.hpp"

namespace nexus::gateway {

// A chat request that passed validation, with the dialect's defaults filled in. Everything else
// the client sent stays in `body` untouched, to reach the upstream as it came.
struct DecodedChatRequest {
  nlohmann::json body;
  std::string model;
  bool stream = false;
  // The client asked for the usage chunk (stream_options.include_usage).
  bool client_wants_usage = false;
};

// A valid chat request as the proxy needs it (the body itself is forwarded as text).
struct CheckedChatRequest {
  std::string model;
  // Given, or defaulted by the dialect.
  bool stream = false;
  bool client_wants_usage = false;
};

struct DecodedEmbeddingsRequest {
  nlohmann::json body;
  std::string model;
};

// {model, text} or {model, messages} for POST /api/tokens/count.
struct DecodedTokenCountRequest {
  std::string model;
  std::string text;
  nlohmann::json messages;
  bool has_messages = false;
};

// Parses and validates request bodies. Every failure is INVALID_ARGUMENT with the OpenAI "param"
// attached (see WithOpenAiDetail), so clients learn exactly which field is wrong.
class RequestDecoder {
 public:
  explicit RequestDecoder(size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {}

  absl::StatusOr<DecodedChatRequest> DecodeChat(std::string_view body, ChatDialect dialect) const;
  // DecodeChat's verdict (and its errors) without building a document when the body is valid:
  // one pass over the text (see QuickCheckChatRequest), DecodeChat only when that is unsure.
  absl::StatusOr<CheckedChatRequest> CheckChat(std::string_view body, ChatDialect dialect) const;
  absl::StatusOr<DecodedEmbeddingsRequest> DecodeEmbeddings(std::string_view body) const;
  absl::StatusOr<DecodedTokenCountRequest> DecodeTokenCount(std::string_view body) const;

  // The JSON object of a body: size limit, nesting limit, syntax, top-level object.
  absl::StatusOr<nlohmann::json> ParseObject(std::string_view body) const;

 private:
  size_t max_body_bytes_;
};

// Messages must be a non-empty array of objects with a string role and a string, array or null
// content. Shared by chat and token counting.
absl::Status ValidateMessages(const nlohmann::json& messages);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_CHAT_REQUEST_DECODER_H_
