// Fuzzes what the gateway does with a client's request body before any upstream is involved:
// RequestDecoder (chat in both dialects, embeddings, token count), then, for bodies it accepts,
// the upstream body rewrite and the prompt token count the pipeline runs on them.
//
// Invariants: no crash, no exception; a body the decoder accepts is accepted by the rewrite, which
// yields JSON carrying the upstream model.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "gateway/pipeline/chat_request_decoder.h"
#include "gateway/tokenizer/token_counter.h"
#include "gateway/upstream/chat_body.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_check.h"

namespace nexus::gateway {
namespace {

using nlohmann::json;

const tokenizer::TokenCounter& Counter() {
  static const tokenizer::TokenCounter* counter = [] {
    auto encodings = tokenizer::EncodingSet::Load();
    FUZZ_CHECK(encodings.ok());
    return new tokenizer::TokenCounter(*encodings);
  }();
  return *counter;
}

void CheckRewrite(std::string_view body, ChatDialect dialect) {
  ChatBodyOptions options;
  options.upstream_model = "upstream-model";
  options.ask_stream_usage = true;
  if (dialect == ChatDialect::kSimplified) {
    options.default_stream = true;
    options.default_temperature = 0.7;
  }
  absl::StatusOr<PreparedChatBody> prepared = PrepareChatRequestBody(body, options);
  FUZZ_CHECK(prepared.ok());
  json rewritten = json::parse(prepared->body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(rewritten.is_object());
  FUZZ_CHECK(rewritten.value("model", json()) == "upstream-model");
}

void DecodeChat(const RequestDecoder& decoder, std::string_view body, ChatDialect dialect) {
  absl::StatusOr<DecodedChatRequest> chat = decoder.DecodeChat(body, dialect);
  if (!chat.ok()) return;
  CheckRewrite(body, dialect);
  // The pipeline counts the prompt locally when the upstream reports no usage; the route's
  // tokenizer setting is free text from the registry.
  for (std::string_view tokenizer : {"", "o200k_base", "estimate"}) {
    (void)Counter().CountChat(chat->model, tokenizer, chat->body["messages"]);
  }
  (void)chat->body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace
}  // namespace nexus::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nexus::gateway;
  static const RequestDecoder decoder(1 << 20);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  DecodeChat(decoder, body, ChatDialect::kOpenAi);
  DecodeChat(decoder, body, ChatDialect::kSimplified);
  (void)decoder.DecodeEmbeddings(body);
  absl::StatusOr<DecodedTokenCountRequest> count = decoder.DecodeTokenCount(body);
  if (count.ok()) {
    if (count->has_messages) {
      (void)Counter().CountChat(count->model, "", count->messages);
    } else {
      (void)Counter().CountText(count->model, "", count->text);
    }
  }
  return 0;
}
