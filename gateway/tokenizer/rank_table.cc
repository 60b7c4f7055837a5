#include "gateway/tokenizer/rank_table.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nexus::tokenizer {

absl::StatusOr<RankTable> RankTable::FromBlob(std::span<const uint8_t> blob) {
  if (blob.size() < kRankTableHeaderWords * 4 ||
      reinterpret_cast<uintptr_t>(blob.data()) % alignof(uint32_t) != 0) {
    return absl::DataLossError("rank table: blob too small or misaligned");
  }
  uint32_t header[kRankTableHeaderWords];
  std::memcpy(header, blob.data(), sizeof(header));
  if (header[0] != kRankTableMagic || header[1] != kRankTableFormatVersion) {
    return absl::DataLossError("rank table: bad magic or format version");
  }
  const uint64_t tokens = header[2];
  const uint64_t slots = header[3];
  const uint64_t short_slots = header[4];
  const uint64_t filter_words = header[5];
  const uint64_t bytes_size = header[6];
  // The slots start 16-byte aligned: the header and offsets are padded to a multiple of 16.
  const uint64_t slots_offset = (4 * (kRankTableHeaderWords + tokens + 1) + 15) / 16 * 16;
  const uint64_t expected = slots_offset + sizeof(RankSlot) * slots +
                            sizeof(uint64_t) * (short_slots + filter_words) + bytes_size;
  if (tokens == 0 || slots <= tokens || short_slots == 0 || filter_words == 0 ||
      (filter_words & (filter_words - 1)) != 0 || tokens >= (1U << 30) || blob.size() != expected ||
      reinterpret_cast<uintptr_t>(blob.data()) % alignof(RankSlot) != 0) {
    return absl::DataLossError(absl::StrCat("rank table: inconsistent sizes (blob ", blob.size(),
                                            " bytes, expected ", expected, ")"));
  }
  RankTable table;
  const auto* words = reinterpret_cast<const uint32_t*>(blob.data());
  table.token_count_ = static_cast<uint32_t>(tokens);
  table.slot_count_ = static_cast<uint32_t>(slots);
  table.short_slot_count_ = static_cast<uint32_t>(short_slots);
  table.filter_words_ = static_cast<uint32_t>(filter_words);
  table.offsets_ = words + kRankTableHeaderWords;
  table.slots_ = reinterpret_cast<const RankSlot*>(blob.data() + slots_offset);
  table.short_slots_ = reinterpret_cast<const uint64_t*>(table.slots_ + slots);
  table.filter_ = table.short_slots_ + short_slots;
  table.bytes_ = reinterpret_cast<const uint8_t*>(table.filter_ + filter_words);
  if (table.offsets_[tokens] != bytes_size) {
    return absl::DataLossError("rank table: offsets do not cover the byte area");
  }
  for (uint64_t r = 0; r < tokens; ++r) {
    if (table.offsets_[r] > table.offsets_[r + 1]) {
      return absl::DataLossError("rank table: offsets not monotonic");
    }
  }
  return table;
}

}  // namespace nexus::tokenizer
