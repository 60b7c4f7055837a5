#ifndef NEXUS_GATEWAY_TOKENIZER_EMBEDDED_RANKS_H_
#define NEXUS_GATEWAY_TOKENIZER_EMBEDDED_RANKS_H_

#include <cstdint>
#include <span>

// The packed rank tables, generated at build time from the SHA-256-checked rank files
// (see CMakeLists.txt) and embedded in read-only data.
namespace nexus::tokenizer::internal {
std::span<const uint8_t> EmbeddedRankBlob_cl100k_base();
std::span<const uint8_t> EmbeddedRankBlob_o200k_base();
}  // namespace nexus::tokenizer::internal

#endif  // NEXUS_GATEWAY_TOKENIZER_EMBEDDED_RANKS_H_
