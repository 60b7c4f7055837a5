#include "gateway/tokenizer/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nexus::tokenizer {

absl::StatusOr<std::unique_ptr<Pretokenizer>> Pretokenizer::Create(std::string_view pattern) {
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return absl::InternalError(absl::StrCat("pre-tokenizer pattern does not compile at offset ",
                                            error_offset, ": ",
                                            reinterpret_cast<const char*>(message)));
  }
  // Without JIT support (some platforms) the interpreter gives the same matches, only slower.
  const bool jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return std::unique_ptr<Pretokenizer>(new Pretokenizer(code, jit));
}

Pretokenizer::~Pretokenizer() { pcre2_code_free(code_); }

Pretokenizer::Scanner::Scanner(const Pretokenizer& pretokenizer, std::string_view text)
    : pretokenizer_(pretokenizer),
      text_(text),
      match_data_(pcre2_match_data_create_from_pattern(pretokenizer.code_, nullptr)) {}

Pretokenizer::Scanner::~Scanner() { pcre2_match_data_free(match_data_); }

bool Pretokenizer::Scanner::Next(std::string_view* piece) {
  if (position_ >= text_.size() || match_data_ == nullptr) return false;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text_.data());
  // The caller guarantees valid UTF-8, so PCRE2 need not check it again on every call.
  int rc = pretokenizer_.jit_ ? pcre2_jit_match(pretokenizer_.code_, subject, text_.size(),
                                                position_, 0, match_data_, nullptr)
                              : PCRE2_ERROR_JIT_STACKLIMIT;
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
    // No JIT, or its stack ran out: the interpreter keeps its backtracking state on the heap.
    rc = pcre2_match(pretokenizer_.code_, subject, text_.size(), position_, PCRE2_NO_UTF_CHECK,
                     match_data_, nullptr);
  }
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
    // A resource limit even so: never drop input, hand the rest over as one piece.
    *piece = text_.substr(position_);
    position_ = text_.size();
    return true;
  }
  if (rc < 0) return false;
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data_);
  const size_t begin = ovector[0];
  const size_t end = ovector[1];
  if (end <= begin) return false;  // the patterns never match empty text; stop rather than loop
  *piece = text_.substr(begin, end - begin);
  position_ = end;
  return true;
}

}  // namespace nexus::tokenizer
