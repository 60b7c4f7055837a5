#include "gateway/pipeline/completion_counter.h"

namespace nexus::gateway {

void CompletionCounter::Add(std::string_view text) {
  if (text.empty()) return;
  saw_text_ = true;
  pending_.append(text);
  if (pending_.size() < flush_bytes_) return;
  // Cut just before the last space or newline: pre-tokenized words start with their space.
  size_t cut = pending_.find_last_of(" \n");
  if (cut == std::string::npos || cut == 0) {
    // One giant word: bound the memory, accepting a possible split inside it.
    if (pending_.size() >= 4 * flush_bytes_) CountPrefix(pending_.size());
    return;
  }
  // Keep a run of whitespace whole: the pre-tokenizer treats "\n\n " differently from its parts.
  while (cut > 0 && (pending_[cut - 1] == ' ' || pending_[cut - 1] == '\n')) --cut;
  if (cut > 0) CountPrefix(cut);
}

void CompletionCounter::Flush() { CountPrefix(pending_.size()); }

void CompletionCounter::CountPrefix(size_t length) {
  if (length == 0) return;
  if (counter_ != nullptr) {
    absl::StatusOr<tokenizer::TokenCount> count = counter_->CountText(
        model_, explicit_tokenizer_, std::string_view(pending_).substr(0, length));
    if (count.ok()) {
      tokens_ += count->tokens;
      exact_ = exact_ && count->exact;
    } else {
      // Unusable tokenizer setting: fall back to the usual ~4 bytes per token.
      tokens_ += static_cast<int64_t>((length + 3) / 4);
      exact_ = false;
    }
  } else {
    tokens_ += static_cast<int64_t>((length + 3) / 4);
    exact_ = false;
  }
  pending_.erase(0, length);
}

}  // namespace nexus::gateway
