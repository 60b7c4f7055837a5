#ifndef NEXUS_GATEWAY_TOKENIZER_MODEL_MAP_H_
#define NEXUS_GATEWAY_TOKENIZER_MODEL_MAP_H_

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/tokenizer/encoding.h"

namespace nexus::tokenizer {

// How a model's chat messages are framed into tokens.
enum class ChatFormat {
  kStandard,  // 3 tokens per message, +1 per name, +3 to prime the reply
  kLegacy,    // gpt-3.5-turbo-0301: 4 per message, a name replaces the role (-1)
};

// How the tokens of one model are counted: with an exact encoding, or estimated.
struct TokenizerChoice {
  std::optional<EncodingId> encoding;  // nullopt: estimate
  ChatFormat chat_format = ChatFormat::kStandard;
};

// Values an admin may set as a model's `tokenizer`: "cl100k_base", "o200k_base" or "estimate".
// An empty `explicit_tokenizer` means "derive it from the model name". Known OpenAI families map
// to their encoding (an optional "openai/"-style prefix and "ft:" are ignored); every other
// model is estimated. INVALID_ARGUMENT names `tokenizer` or `model` when neither is usable.
absl::StatusOr<TokenizerChoice> ChooseTokenizer(std::string_view model,
                                                std::string_view explicit_tokenizer);

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_MODEL_MAP_H_
