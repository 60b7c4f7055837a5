#include "gateway/tokenizer/estimator.h"

#include <algorithm>
#include <cmath>

namespace nexus::tokenizer {
namespace {

// Fitted by tokenizer_calibrate (tests/bench/tokenizer) on the lines of its two corpora.
constexpr std::array<double, TextFeatures::kCount> kWeights = {
    0.8783,  // kHan
    1.0000,  // kKana (absent from the corpus: prior)
    1.0000,  // kHangul (absent from the corpus: prior)
    0.9978,  // kCjkPunct
    0.8720,  // kWords
    0.0347,  // kLetters
    2.2636,  // kDigitGroups
    0.9916,  // kPunct
    1.0000,  // kNewlines (absent from the samples, which are single lines: prior)
    1.0000,  // kOther (prior)
};

// Decodes one code point; returns its length, or 0 for an ill-formed byte.
size_t DecodeAt(const uint8_t* p, size_t size, size_t i, uint32_t* cp) {
  const uint8_t b = p[i];
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  const size_t n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
  if (n == 0 || b > 0xf4 || i + n > size) return 0;
  uint32_t value = b & (0xff >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    if ((p[i + k] & 0xc0) != 0x80) return 0;
    value = value << 6 | (p[i + k] & 0x3f);
  }
  *cp = value;
  return n;
}

TextFeatures::Index Classify(uint32_t cp) {
  if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3ffff)) {
    return TextFeatures::kHan;
  }
  if (cp >= 0x3040 && cp <= 0x30ff) return TextFeatures::kKana;
  if ((cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0x1100 && cp <= 0x11ff) ||
      (cp >= 0x3130 && cp <= 0x318f)) {
    return TextFeatures::kHangul;
  }
  if ((cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff00 && cp <= 0xffef) ||
      (cp >= 0x2010 && cp <= 0x2027)) {
    return TextFeatures::kCjkPunct;
  }
  return TextFeatures::kOther;
}

}  // namespace

TextFeatures ExtractFeatures(std::string_view text) {
  TextFeatures f;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t letters_run = 0;
  size_t digits_run = 0;
  auto end_runs = [&](bool letter, bool digit) {
    if (!letter && letters_run > 0) {
      f.counts[TextFeatures::kWords] += 1;
      letters_run = 0;
    }
    if (!digit && digits_run > 0) {
      f.counts[TextFeatures::kDigitGroups] += static_cast<double>((digits_run + 2) / 3);
      digits_run = 0;
    }
  };
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeAt(p, text.size(), i, &cp);
    if (n == 0) {
      end_runs(false, false);
      f.counts[TextFeatures::kOther] += 1;
      ++i;
      continue;
    }
    i += n;
    const bool letter = (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    const bool digit = cp >= '0' && cp <= '9';
    end_runs(letter, digit);
    if (letter) {
      ++letters_run;
      f.counts[TextFeatures::kLetters] += 1;
    } else if (digit) {
      ++digits_run;
    } else if (cp == '\n') {
      f.counts[TextFeatures::kNewlines] += 1;
    } else if (cp < 0x80) {
      if (cp > ' ' && cp < 0x7f) f.counts[TextFeatures::kPunct] += 1;
    } else {
      f.counts[Classify(cp)] += 1;
    }
  }
  end_runs(false, false);
  return f;
}

const std::array<double, TextFeatures::kCount>& EstimateWeights() { return kWeights; }

int64_t EstimateTokens(std::string_view text) {
  if (text.empty()) return 0;
  const TextFeatures f = ExtractFeatures(text);
  double sum = 0;
  for (size_t k = 0; k < TextFeatures::kCount; ++k) sum += kWeights[k] * f.counts[k];
  return std::max<int64_t>(1, std::llround(sum));
}

}  // namespace nexus::tokenizer
