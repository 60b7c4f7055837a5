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
// pages are faulted in on first use. Layout (little-endian):
//   header       uint32 kMagic, kFormatVersion, token_count, slot_count, short_slot_count,
//                filter_words, bytes_size
//   offsets      uint32[token_count + 1]: token r's bytes are bytes[offsets[r], offsets[r + 1])
//   slots        RankSlot[slot_count] (16-byte aligned): every token, open addressing with
//                linear probing, load factor ~0.6
//   short slots  uint64[short_slot_count]: the tokens of at most four bytes again, packed as
//                key | (size - 1) << 32 | (rank + 1) << 34, load factor ~0.6
//   filter       uint64[filter_words] (a power of two): a Bloom filter of the longer tokens, one
//                word and three bits per token
//   bytes        the concatenated token byte strings
// Byte-pair merging mostly looks up strings of two to four bytes: the short table (0.4-0.7 MB)
// stays in L2 cache where the full table (2-5 MB) does not; most longer strings merging asks
// about are not tokens, and the filter (128-256 KB) answers that without the full table. A full
// slot holds the first eight bytes of its token, so longer lookups of up to eight bytes touch one
// cache line.
inline constexpr uint32_t kRankTableMagic = 0x5452584e;  // "NXRT"
inline constexpr uint32_t kRankTableFormatVersion = 4;
inline constexpr size_t kRankTableHeaderWords = 7;
inline constexpr size_t kShortTokenMax = 4;

struct RankSlot {
  uint64_t prefix;    // the token's first min(8, size) bytes, little-endian, zero-padded
  uint32_t size_tag;  // token size in the low 8 bits (saturated at 255), hash tag above
  uint32_t rank1;     // rank + 1; 0 marks an empty slot
};
static_assert(sizeof(RankSlot) == 16);

// The first min(8, size) bytes of data as a little-endian word, without reading past the end.
inline uint64_t LoadPrefix(const uint8_t* data, size_t size) {
  if (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    return word;
  }
  if (size >= 4) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, data, 4);
    std::memcpy(&hi, data + size - 4, 4);
    return uint64_t{lo} | uint64_t{hi} << (8 * (size - 4));
  }
  if (size == 0) return 0;
  return uint64_t{data[0]} | uint64_t{data[size / 2]} << (8 * (size / 2)) |
         uint64_t{data[size - 1]} << (8 * (size - 1));
}

inline uint64_t MixHash(uint64_t h) {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 29;
  return h;
}

inline uint64_t MixShort(uint64_t key) { return (key ^ (key >> 29)) * 0x9e3779b97f4a7c15ULL; }

// Home slot of a short key (key bytes | size << 32) in a table of `slots` slots.
inline uint32_t ShortSlotIndex(uint64_t key, uint32_t slots) {
  const uint64_t h = MixShort(key);
  return static_cast<uint32_t>(((h >> 32) * slots) >> 32);
}

// Hash of a byte string whose prefix word is `prefix`; the build-time packer and the run-time
// lookup must agree on it.
inline uint64_t HashBytes(const uint8_t* data, size_t size, uint64_t prefix) {
  uint64_t h = (prefix ^ (size * 0xff51afd7ed558ccdULL)) * 0x9e3779b97f4a7c15ULL;
  for (size_t i = 8; i < size; i += 8) {
    const size_t n = size - i < 8 ? size - i : 8;
    h = (h ^ LoadPrefix(data + i, n)) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
  }
  return MixHash(h);
}

// The filter word of a hash (filter_words a power of two) and the three bits a token sets in it.
inline uint64_t FilterProbe(uint64_t hash, uint32_t filter_words, uint64_t* mask) {
  const uint64_t g = hash * 0x9e3779b97f4a7c15ULL;
  *mask = (uint64_t{1} << (g & 63)) | (uint64_t{1} << ((g >> 6) & 63)) |
          (uint64_t{1} << ((g >> 12) & 63));
  return (g >> 32) & (filter_words - 1);
}

inline uint32_t SizeTag(uint64_t hash, size_t size) {
  return (static_cast<uint32_t>(hash >> 32) & 0xffffff00U) | (size < 255 ? size : 255);
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
    const uint64_t prefix = LoadPrefix(data, size);
    if (size <= kShortTokenMax) return FindShort(prefix, size);
    return Find(data, size, prefix, HashBytes(data, size, prefix));
  }
  // False when no token longer than kShortTokenMax bytes has this hash (then Find would miss).
  bool MayContainLong(uint64_t hash) const {
    uint64_t mask;
    const uint64_t word = filter_[FilterProbe(hash, filter_words_, &mask)];
    return (word & mask) == mask;
  }

  // Starts loading the home slot of a short string, for a FindShort soon after.
  void PrefetchShort(uint64_t prefix, size_t size) const {
    const uint64_t key = prefix | static_cast<uint64_t>(size - 1) << 32;
    __builtin_prefetch(&short_slots_[ShortSlotIndex(key, short_slot_count_)]);
  }
  // Lookup of a string of 1 to kShortTokenMax bytes given its prefix word.
  uint32_t FindShort(uint64_t prefix, size_t size) const {
    const uint64_t key = prefix | static_cast<uint64_t>(size - 1) << 32;
    for (uint32_t i = ShortSlotIndex(key, short_slot_count_);;
         i = i + 1 == short_slot_count_ ? 0 : i + 1) {
      const uint64_t slot = short_slots_[i];
      if (slot == 0) return kNoRank;
      if ((slot & 0x3ffffffffULL) == key) return static_cast<uint32_t>(slot >> 34) - 1;
    }
  }
  // Find with the prefix word and hash already computed.
  uint32_t Find(const uint8_t* data, size_t size, uint64_t prefix, uint64_t h) const {
    const uint32_t size_tag = SizeTag(h, size);
    for (uint32_t i = SlotIndex(h);; i = i + 1 == slot_count_ ? 0 : i + 1) {
      const RankSlot& slot = slots_[i];
      if (slot.rank1 == 0) return kNoRank;
      if (slot.size_tag != size_tag || slot.prefix != prefix) continue;
      const uint32_t rank = slot.rank1 - 1;
      if (size <= 8) return rank;
      const uint32_t begin = offsets_[rank];
      if (offsets_[rank + 1] - begin == size &&
          std::memcmp(bytes_ + begin + 8, data + 8, size - 8) == 0) {
        return rank;
      }
    }
  }

  // The bytes of a token; `rank` must be < token_count().
  std::string_view TokenBytes(uint32_t rank) const {
    const uint32_t begin = offsets_[rank];
    return {reinterpret_cast<const char*>(bytes_ + begin), offsets_[rank + 1] - begin};
  }

  // Home slot of a hash (multiply-shift range reduction: any slot count works).
  static uint32_t SlotIndex(uint64_t hash, uint32_t slot_count) {
    return static_cast<uint32_t>(
        (static_cast<uint64_t>(static_cast<uint32_t>(hash)) * slot_count) >> 32);
  }

 private:
  RankTable() = default;
  uint32_t SlotIndex(uint64_t hash) const { return SlotIndex(hash, slot_count_); }

  uint32_t token_count_ = 0;
  uint32_t slot_count_ = 0;
  uint32_t short_slot_count_ = 0;
  uint32_t filter_words_ = 0;
  const uint32_t* offsets_ = nullptr;
  const RankSlot* slots_ = nullptr;
  const uint64_t* short_slots_ = nullptr;
  const uint64_t* filter_ = nullptr;
  const uint8_t* bytes_ = nullptr;
};

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_RANK_TABLE_H_
