#ifndef NEXUS_GATEWAY_PIPELINE_COMPLETION_COUNTER_H_
#define NEXUS_GATEWAY_PIPELINE_COMPLETION_COUNTER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/tokenizer/token_counter.h"

namespace nexus::gateway {

// Counts completion tokens locally as text arrives, for upstreams that report no usage, without
// keeping the whole output: text is buffered only up to a word boundary past `flush_bytes`, where
// the BPE pre-tokenizer splits anyway, so the sum of the pieces equals the count of the whole.
class CompletionCounter {
 public:
  CompletionCounter(const tokenizer::TokenCounter* counter, std::string model,
                    std::string explicit_tokenizer, size_t flush_bytes = 2048)
      : counter_(counter),
        model_(std::move(model)),
        explicit_tokenizer_(std::move(explicit_tokenizer)),
        flush_bytes_(flush_bytes) {}

  void Add(std::string_view text);
  // Counts what is buffered; call once the completion ended.
  void Flush();

  int64_t tokens() const { return tokens_; }
  bool exact() const { return exact_; }
  bool saw_text() const { return saw_text_; }

 private:
  void CountPrefix(size_t length);

  const tokenizer::TokenCounter* counter_;
  std::string model_;
  std::string explicit_tokenizer_;
  size_t flush_bytes_;
  std::string pending_;
  int64_t tokens_ = 0;
  bool exact_ = true;
  bool saw_text_ = false;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_COMPLETION_COUNTER_H_
