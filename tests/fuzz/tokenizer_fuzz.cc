// Fuzzes the tokenizer on arbitrary bytes (prompts and completions are client- and
// upstream-controlled text): both byte-pair encodings, the estimator, and the model -> encoding
// choice.
//
// Invariants: no crash; Count equals the number of tokens Encode returns; every token is in the
// vocabulary; decoding the tokens gives back the text exactly, after the documented U+FFFD
// replacement of invalid UTF-8.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/tokenizer/encoding.h"
#include "gateway/tokenizer/estimator.h"
#include "gateway/tokenizer/model_map.h"
#include "gateway/tokenizer/token_counter.h"
#include "gateway/tokenizer/utf8.h"
#include "tests/fuzz/fuzz_check.h"

namespace nexus::tokenizer {
namespace {

const EncodingSet& Encodings() {
  static const std::shared_ptr<const EncodingSet> encodings = [] {
    auto loaded = EncodingSet::Load();
    FUZZ_CHECK(loaded.ok());
    return *loaded;
  }();
  return *encodings;
}

void CheckEncoding(const Encoding& encoding, std::string_view text, const std::string& expected) {
  const std::vector<uint32_t> ids = encoding.Encode(text);
  FUZZ_CHECK(encoding.Count(text) == ids.size());
  FUZZ_CHECK(ids.size() <= expected.size());  // every token covers at least one byte
  for (uint32_t id : ids) FUZZ_CHECK(id < encoding.vocabulary_size());
  absl::StatusOr<std::string> decoded = encoding.Decode(ids);
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(*decoded == expected);
}

}  // namespace
}  // namespace nexus::tokenizer

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nexus::tokenizer;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string expected = ReplaceInvalidUtf8(text);
  FUZZ_CHECK(IsValidUtf8(expected));
  FUZZ_CHECK(IsValidUtf8(text) == (expected == text));
  CheckEncoding(Encodings().Get(EncodingId::kCl100kBase), text, expected);
  CheckEncoding(Encodings().Get(EncodingId::kO200kBase), text, expected);
  FUZZ_CHECK(EstimateTokens(text) >= 0);

  // The same bytes as a model name and as a route's tokenizer setting (both free text).
  const size_t half = size / 2;
  (void)ChooseTokenizer(text.substr(0, half), text.substr(half));
  (void)ChooseTokenizer(text, "");
  return 0;
}
