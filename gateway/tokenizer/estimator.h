#ifndef NEXUS_GATEWAY_TOKENIZER_ESTIMATOR_H_
#define NEXUS_GATEWAY_TOKENIZER_ESTIMATOR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nexus::tokenizer {

// Character-class counts of a text, the inputs of the token estimate.
struct TextFeatures {
  enum Index {
    kHan,          // CJK ideographs
    kKana,         // Hiragana and Katakana
    kHangul,       // Hangul syllables and jamo
    kCjkPunct,     // CJK symbols and punctuation, full-width forms
    kWords,        // runs of ASCII letters
    kLetters,      // ASCII letters
    kDigitGroups,  // runs of ASCII digits, in groups of up to three
    kPunct,        // ASCII punctuation and symbols
    kNewlines,     // line breaks
    kOther,        // any other code point (Latin accents, Cyrillic, emoji, ...)
    kCount,
  };
  std::array<double, kCount> counts{};
};

// Counts the features of `text` (invalid UTF-8 bytes count as kOther, one each).
TextFeatures ExtractFeatures(std::string_view text);

// Token estimate for models without a public encoding: a linear model over TextFeatures whose
// weights were fitted by least squares to the mean of the exact cl100k_base and o200k_base counts
// on the mixed Chinese/English and English corpora in tests/bench/tokenizer/corpus (see
// tests/bench/tokenizer/README.md for the calibration command and its measured error).
// Never below 1 for non-empty text.
int64_t EstimateTokens(std::string_view text);

// The fitted weights, in TextFeatures::Index order.
const std::array<double, TextFeatures::kCount>& EstimateWeights();

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_ESTIMATOR_H_
