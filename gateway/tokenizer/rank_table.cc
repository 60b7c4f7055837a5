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
  const uint64_t bytes_size = header[4];
  const uint64_t expected = 4 * (kRankTableHeaderWords + (tokens + 1) + 2 * slots) + bytes_size;
  if (tokens == 0 || slots == 0 || (slots & (slots - 1)) != 0 || slots <= tokens ||
      blob.size() != expected) {
    return absl::DataLossError(absl::StrCat("rank table: inconsistent sizes (blob ", blob.size(),
                                            " bytes, expected ", expected, ")"));
  }
  RankTable table;
  const auto* words = reinterpret_cast<const uint32_t*>(blob.data());
  table.token_count_ = static_cast<uint32_t>(tokens);
  table.slot_mask_ = static_cast<uint32_t>(slots - 1);
  table.offsets_ = words + kRankTableHeaderWords;
  table.slots_ = table.offsets_ + tokens + 1;
  table.bytes_ = reinterpret_cast<const uint8_t*>(table.slots_ + 2 * slots);
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
