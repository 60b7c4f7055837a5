#ifndef NEXUS_GATEWAY_TOKENIZER_PRETOKENIZER_H_
#define NEXUS_GATEWAY_TOKENIZER_PRETOKENIZER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace nexus::tokenizer {

// Splits text into the pieces byte-pair merging works on, with a PCRE2 pattern compiled for
// UTF-8 with Unicode properties (UTF + UCP) and JIT-compiled when the platform allows.
// Immutable after Create; each Scanner owns its match data, so scanning is thread-safe.
class Pretokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<Pretokenizer>> Create(std::string_view pattern);
  ~Pretokenizer();
  Pretokenizer(const Pretokenizer&) = delete;
  Pretokenizer& operator=(const Pretokenizer&) = delete;

  bool jit() const { return jit_; }

  // Iterates over the successive matches in `text`, which must be valid UTF-8.
  class Scanner {
   public:
    Scanner(const Pretokenizer& pretokenizer, std::string_view text);
    ~Scanner();
    Scanner(const Scanner&) = delete;
    Scanner& operator=(const Scanner&) = delete;

    // The next piece, or false at the end of the text.
    bool Next(std::string_view* piece);

   private:
    const Pretokenizer& pretokenizer_;
    std::string_view text_;
    size_t position_ = 0;
    pcre2_real_match_data_8* match_data_;
  };

 private:
  Pretokenizer(pcre2_real_code_8* code, bool jit) : code_(code), jit_(jit) {}

  pcre2_real_code_8* code_;
  bool jit_;
};

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_PRETOKENIZER_H_
