#ifndef NEXUS_GATEWAY_TOKENIZER_UTF8_H_
#define NEXUS_GATEWAY_TOKENIZER_UTF8_H_

#include <string>
#include <string_view>

namespace nexus::tokenizer {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Decodes `text` the way the WHATWG Encoding Standard (and Python's errors="replace") does:
// every maximal ill-formed subsequence becomes one U+FFFD. Valid text comes back unchanged.
std::string ReplaceInvalidUtf8(std::string_view text);

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_UTF8_H_
