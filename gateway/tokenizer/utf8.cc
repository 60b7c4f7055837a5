#include "gateway/tokenizer/utf8.h"

#include <cstdint>
#include <cstring>

namespace nexus::tokenizer {
namespace {

// Length of the well-formed sequence at text[i], or 0 with *consumed set to the length of the
// maximal ill-formed prefix to replace (at least 1).
size_t SequenceAt(const uint8_t* p, size_t size, size_t i, size_t* consumed) {
  const uint8_t lead = p[i];
  if (lead < 0x80) return 1;
  size_t need = 0;
  uint8_t lower = 0x80;
  uint8_t upper = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    need = 1;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    need = 2;
    if (lead == 0xe0) lower = 0xa0;
    if (lead == 0xed) upper = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    need = 3;
    if (lead == 0xf0) lower = 0x90;
    if (lead == 0xf4) upper = 0x8f;
  } else {
    *consumed = 1;
    return 0;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (i + k >= size || p[i + k] < lower || p[i + k] > upper) {
      *consumed = k;
      return 0;
    }
    lower = 0x80;
    upper = 0xbf;
  }
  return need + 1;
}

// Index of the first byte that starts an ill-formed sequence, or size.
size_t FirstInvalid(const uint8_t* p, size_t size) {
  size_t i = 0;
  while (i < size) {
    // Skip ASCII eight bytes at a time: most input is mostly ASCII.
    if (i + 8 <= size) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    size_t consumed = 0;
    const size_t n = SequenceAt(p, size, i, &consumed);
    if (n == 0) return i;
    i += n;
  }
  return size;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  return FirstInvalid(p, text.size()) == text.size();
}

std::string ReplaceInvalidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = FirstInvalid(p, text.size());
  std::string out(text.substr(0, i));
  out.reserve(text.size() + 16);
  while (i < text.size()) {
    size_t consumed = 0;
    const size_t n = SequenceAt(p, text.size(), i, &consumed);
    if (n > 0) {
      out.append(text.data() + i, n);
      i += n;
    } else {
      out.append("\xef\xbf\xbd");
      i += consumed;
    }
  }
  return out;
}

}  // namespace nexus::tokenizer
