#ifndef NEXUS_GATEWAY_TOKENIZER_RANK_TABLE_H_
#define NEXUS_GATEWAY_TOKENIZER_RANK_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"

namespace nexus::tokenizer {

// The packed rank table is built once at build time from a `.tiktoken` file and embedded in the
// binary, so loading an encoding costs no parsing and no heap: the table is read in place and its
// pages are faulted in on first use. Layout (little-endian uint32 words):
//   header   kMagic, kFormatVersion, token_count, slot_count (a power of two), bytes_size
//   offsets  token_count + 1 words: token r's bytes are bytes[offsets[r], offsets[r + 1])
//   slots    slot_count pairs {hash tag, rank + 1}, open addressing with linear probing; 0 = empty
//   bytes    the concatenated token byte strings
inline constexpr uint32_t kRankTableMagic = 0x5452584e;  // "NXRT"
inline constexpr uint32_t kRankTableFormatVersion = 1;
inline constexpr size_t kRankTableHeaderWords = 5;

// Hash of a byte string; the build-time packer and the run-time lookup must agree on it.
inline uint64_t HashBytes(const uint8_t* data, size_t size) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (size * 0xff51afd7ed558ccdULL);
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    data += 8;
    size -= 8;
  }
  if (size > 0) {
    uint64_t word = 0;
    for (size_t i = 0; i < size; ++i) word |= static_cast<uint64_t>(data[i]) << (8 * i);
    h = (h ^ word) * 0x94d049bb133111ebULL;
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 29;
  return h;
}

// A read-only view of a packed rank table. Cheap to copy; the blob must outlive it.
class RankTable {
 public:
  // Validates the header and sizes of `blob`.
  static absl::StatusOr<RankTable> FromBlob(std::span<const uint8_t> blob);

  uint32_t token_count() const { return token_count_; }

  // The rank of the byte string, or kNoRank.
  static constexpr uint32_t kNoRank = 0xffffffffU;
  uint32_t Find(const uint8_t* data, size_t size) const {
    const uint64_t h = HashBytes(data, size);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (uint32_t i = static_cast<uint32_t>(h) & slot_mask_;; i = (i + 1) & slot_mask_) {
      const uint32_t value = slots_[2 * i + 1];
      if (value == 0) return kNoRank;
      if (slots_[2 * i] != tag) continue;
      const uint32_t rank = value - 1;
      const uint32_t begin = offsets_[rank];
      if (offsets_[rank + 1] - begin == size && std::memcmp(bytes_ + begin, data, size) == 0) {
        return rank;
      }
    }
  }

  // The bytes of a token; `rank` must be < token_count().
  std::string_view TokenBytes(uint32_t rank) const {
    const uint32_t begin = offsets_[rank];
    return {reinterpret_cast<const char*>(bytes_ + begin), offsets_[rank + 1] - begin};
  }

 private:
  RankTable() = default;

  uint32_t token_count_ = 0;
  uint32_t slot_mask_ = 0;
  const uint32_t* offsets_ = nullptr;
  const uint32_t* slots_ = nullptr;
  const uint8_t* bytes_ = nullptr;
};

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_RANK_TABLE_H_
