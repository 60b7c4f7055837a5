#ifndef NEXUS_GATEWAY_TOKENIZER_TOKEN_COUNTER_H_
#define NEXUS_GATEWAY_TOKENIZER_TOKEN_COUNTER_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/tokenizer/encoding.h"
#include "gateway/tokenizer/model_map.h"
#include "nlohmann/json.hpp"

namespace nexus::tokenizer {

// Both encodings, loaded once at start-up and shared (read-only) by every thread.
class EncodingSet {
 public:
  static absl::StatusOr<std::shared_ptr<const EncodingSet>> Load();

  const Encoding& Get(EncodingId id) const {
    return id == EncodingId::kCl100kBase ? *cl100k_base_ : *o200k_base_;
  }

 private:
  EncodingSet(std::unique_ptr<Encoding> cl100k_base, std::unique_ptr<Encoding> o200k_base)
      : cl100k_base_(std::move(cl100k_base)), o200k_base_(std::move(o200k_base)) {}

  std::unique_ptr<Encoding> cl100k_base_;
  std::unique_ptr<Encoding> o200k_base_;
};

struct TokenCount {
  int64_t tokens = 0;
  std::string_view encoding;  // "cl100k_base", "o200k_base" or "estimate" (static storage)
  bool exact = true;
};

// The gateway's token calculator. `explicit_tokenizer` is the model's `tokenizer` setting from
// the registry ("" when unset); see ChooseTokenizer. Errors are INVALID_ARGUMENT naming the
// offending field ("model", "tokenizer", "messages[2].content", ...).
class TokenCounter {
 public:
  explicit TokenCounter(std::shared_ptr<const EncodingSet> encodings)
      : encodings_(std::move(encodings)) {}

  absl::StatusOr<TokenizerChoice> ForModel(std::string_view model,
                                           std::string_view explicit_tokenizer) const {
    return ChooseTokenizer(model, explicit_tokenizer);
  }

  // Tokens of a plain text.
  absl::StatusOr<TokenCount> CountText(std::string_view model, std::string_view explicit_tokenizer,
                                       std::string_view text) const;

  // Prompt tokens of an OpenAI chat `messages` array, as the API reports them: per message
  // 3 tokens + its role, content and name (+1 for a name), then 3 to prime the reply. Content may
  // be a string, null, or an array of parts; text parts are counted exactly, other parts (images,
  // audio) and tool calls make the result inexact.
  absl::StatusOr<TokenCount> CountChat(std::string_view model, std::string_view explicit_tokenizer,
                                       const nlohmann::json& messages) const;

  // Tokens of a completion's output text (no framing overhead).
  absl::StatusOr<TokenCount> CountCompletionText(std::string_view model,
                                                 std::string_view explicit_tokenizer,
                                                 std::string_view text) const {
    return CountText(model, explicit_tokenizer, text);
  }

 private:
  int64_t Tokens(const TokenizerChoice& choice, std::string_view text) const;
  absl::Status CountMessage(const TokenizerChoice& choice, const nlohmann::json& message,
                            size_t index, TokenCount* count) const;
  absl::Status CountContent(const TokenizerChoice& choice, const nlohmann::json& content,
                            size_t index, TokenCount* count) const;

  std::shared_ptr<const EncodingSet> encodings_;
};

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_TOKEN_COUNTER_H_
