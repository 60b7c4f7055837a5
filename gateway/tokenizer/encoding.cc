#include "gateway/tokenizer/encoding.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/tokenizer/embedded_ranks.h"
#include "gateway/tokenizer/utf8.h"
#include "services/strings/absl_view.h"

namespace nexus::tokenizer {
namespace {

// tiktoken's patterns, with `\s` spelled out as the Unicode White_Space property that tiktoken's
// regex engine uses (PCRE2's UCP `\s` also matches U+180E, which is not White_Space).
#define NEXUS_WS \
  "\\t-\\r "     \
  "\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
constexpr std::string_view kCl100kPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)"
    "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
    "|\\p{N}{1,3}"
    "| ?[^" NEXUS_WS
    "\\p{L}\\p{N}]+[\\r\\n]*"
    "|[" NEXUS_WS
    "]*[\\r\\n]+"
    "|[" NEXUS_WS "]+(?![^" NEXUS_WS
    "])"
    "|[" NEXUS_WS "]+";
constexpr std::string_view kO200kPattern =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}"
    "| ?[^" NEXUS_WS
    "\\p{L}\\p{N}]+[\\r\\n/]*"
    "|[" NEXUS_WS
    "]*[\\r\\n]+"
    "|[" NEXUS_WS "]+(?![^" NEXUS_WS
    "])"
    "|[" NEXUS_WS "]+";
#undef NEXUS_WS

// Pieces up to this many bytes merge with tiktoken's own quadratic scan, which is fastest when
// short; longer ones use a heap over a linked list of parts (O(n log n)).
constexpr size_t kShortPiece = 96;
constexpr uint32_t kNoRank = RankTable::kNoRank;

// Texts at least this long get a lookup memo; for shorter ones clearing it would cost more than
// it saves.
constexpr size_t kMemoMinText = 4096;

}  // namespace

// A small direct-mapped memo of rank lookups of five to sixteen bytes, private to one Encode/Count
// call. Text repeats its characters and character pairs (Zipf), so most byte-pair lookups hit
// this L1-resident memo instead of the multi-megabyte rank table.
struct Encoding::LookupMemo {
  struct Entry {
    uint64_t prefix = 0;
    uint64_t second = 0;  // bytes 8..15 of the key
    uint32_t size = 0;    // 0: empty
    uint32_t rank = 0;
  };
  static constexpr size_t kEntries = 2048;
  Entry entries[kEntries];
};

uint32_t Encoding::Lookup(const uint8_t* data, size_t size, LookupMemo* memo) const {
  if (size == 1) return byte_ranks_[data[0]];
  const uint64_t prefix = LoadPrefix(data, size);
  if (size <= kShortTokenMax) return table_.FindShort(prefix, size);
  const uint64_t hash = HashBytes(data, size, prefix);
  if (memo == nullptr || size > 16) return table_.Find(data, size, prefix, hash);
  const uint64_t second = size > 8 ? LoadPrefix(data + 8, size - 8) : 0;
  LookupMemo::Entry& entry = memo->entries[(hash >> 40) % LookupMemo::kEntries];
  if (entry.prefix == prefix && entry.second == second && entry.size == size) return entry.rank;
  const uint32_t rank = table_.Find(data, size, prefix, hash);
  entry = {prefix, second, static_cast<uint32_t>(size), rank};
  return rank;
}

std::string_view EncodingName(EncodingId id) {
  return id == EncodingId::kCl100kBase ? "cl100k_base" : "o200k_base";
}

absl::StatusOr<EncodingId> ParseEncodingName(std::string_view name) {
  if (name == "cl100k_base") return EncodingId::kCl100kBase;
  if (name == "o200k_base") return EncodingId::kO200kBase;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown encoding \"", Av(name), "\" (known: cl100k_base, o200k_base)"));
}

absl::StatusOr<std::unique_ptr<Encoding>> Encoding::Load(EncodingId id) {
  const bool cl100k = id == EncodingId::kCl100kBase;
  absl::StatusOr<RankTable> table = RankTable::FromBlob(
      cl100k ? internal::EmbeddedRankBlob_cl100k_base() : internal::EmbeddedRankBlob_o200k_base());
  if (!table.ok()) return table.status();
  absl::StatusOr<std::unique_ptr<Pretokenizer>> pretokenizer =
      Pretokenizer::Create(cl100k ? kCl100kPattern : kO200kPattern);
  if (!pretokenizer.ok()) return pretokenizer.status();
  std::unique_ptr<Encoding> encoding(new Encoding(id, *table, std::move(*pretokenizer)));
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<uint8_t>(b);
    encoding->byte_ranks_[b] = table->Find(&byte, 1);
    // Byte-level BPE needs every byte as a token, or some input could not be encoded.
    if (encoding->byte_ranks_[b] == kNoRank) {
      return absl::DataLossError(absl::StrCat("rank table lacks byte ", b));
    }
  }
  return encoding;
}

Encoding::Encoding(EncodingId id, RankTable table, std::unique_ptr<Pretokenizer> pretokenizer)
    : id_(id), table_(table), pretokenizer_(std::move(pretokenizer)) {}

std::vector<uint32_t> Encoding::Encode(std::string_view text) const {
  std::vector<uint32_t> ids;
  ids.reserve(text.size() / 4 + 8);
  auto emit = [&ids](uint32_t rank) { ids.push_back(rank); };
  EncodeText(text, emit);
  return ids;
}

size_t Encoding::Count(std::string_view text) const {
  size_t count = 0;
  auto emit = [&count](uint32_t) { ++count; };
  EncodeText(text, emit);
  return count;
}

absl::StatusOr<std::string> Encoding::Decode(std::span<const uint32_t> ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= table_.token_count()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ids[", i, "]: token id ", ids[i], " is outside the ", Av(name()), " vocabulary"));
    }
    const std::string_view bytes = table_.TokenBytes(ids[i]);
    out.append(bytes.data(), bytes.size());
  }
  return out;
}

template <typename Emit>
void Encoding::EncodeText(std::string_view text, Emit& emit) const {
  std::string replaced;
  if (!IsValidUtf8(text)) {
    replaced = ReplaceInvalidUtf8(text);
    text = replaced;
  }
  std::unique_ptr<LookupMemo> memo;
  if (text.size() >= kMemoMinText) memo = std::make_unique<LookupMemo>();
  Pretokenizer::Scanner scanner(*pretokenizer_, text);
  std::string_view piece;
  while (scanner.Next(&piece)) {
    EncodePiece(reinterpret_cast<const uint8_t*>(piece.data()), piece.size(), memo.get(), emit);
  }
}

template <typename Emit>
void Encoding::EncodePiece(const uint8_t* piece, size_t size, LookupMemo* memo, Emit& emit) const {
  // Most pieces (a word with its leading space) are a single token.
  const uint32_t whole = Lookup(piece, size, memo);
  if (whole != kNoRank) {
    emit(whole);
  } else if (size <= kShortPiece) {
    MergeShortPiece(piece, size, memo, emit);
  } else {
    MergeLongPiece(piece, size, memo, emit);
  }
}

// tiktoken's _byte_pair_merge: repeatedly merge the adjacent pair whose concatenation has the
// lowest rank, the leftmost one on ties.
template <typename Emit>
void Encoding::MergeShortPiece(const uint8_t* piece, size_t size, LookupMemo* memo,
                               Emit& emit) const {
  uint32_t start[kShortPiece + 1];
  uint32_t rank[kShortPiece + 1];  // rank[i]: merging part i with part i + 1
  size_t parts = size;
  for (size_t i = 0; i < size; ++i) {
    start[i] = static_cast<uint32_t>(i);
    rank[i] = i + 1 < size ? Lookup(piece + i, 2, memo) : kNoRank;
  }
  start[size] = static_cast<uint32_t>(size);
  auto pair_rank = [&](size_t i) {
    return i + 2 <= parts ? Lookup(piece + start[i], start[i + 2] - start[i], memo) : kNoRank;
  };
  while (true) {
    size_t best = 0;
    uint32_t best_rank = kNoRank;
    for (size_t i = 0; i + 1 < parts; ++i) {
      if (rank[i] < best_rank) {
        best_rank = rank[i];
        best = i;
      }
    }
    if (best_rank == kNoRank) break;
    // Part best absorbs part best + 1.
    std::copy(start + best + 2, start + parts + 1, start + best + 1);
    std::copy(rank + best + 2, rank + parts, rank + best + 1);
    --parts;
    rank[best] = best + 1 < parts ? pair_rank(best) : kNoRank;
    if (best > 0) rank[best - 1] = pair_rank(best - 1);
  }
  for (size_t i = 0; i < parts; ++i) emit(Lookup(piece + start[i], start[i + 1] - start[i], memo));
}

// The same merge order with a min-heap keyed by (rank, start) and lazily discarded stale
// entries, so a megabyte-long piece costs O(n log n) instead of O(n^2).
template <typename Emit>
void Encoding::MergeLongPiece(const uint8_t* piece, size_t size, LookupMemo* memo,
                              Emit& emit) const {
  constexpr uint32_t kDead = 0xfffffffeU;
  const auto n = static_cast<uint32_t>(size);
  std::vector<uint32_t> next(n), prev(n), rank(n);  // indexed by a part's start byte
  std::vector<uint64_t> heap;
  heap.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    prev[i] = i - 1;  // wraps for i == 0; never read there
    rank[i] = i + 1 < n ? Lookup(piece + i, 2, memo) : kNoRank;
    if (rank[i] != kNoRank) heap.push_back(uint64_t{rank[i]} << 32 | i);
  }
  std::make_heap(heap.begin(), heap.end(), std::greater<>());
  auto pair_rank = [&](uint32_t i) {
    const uint32_t j = next[i];
    return j < n ? Lookup(piece + i, next[j] - i, memo) : kNoRank;
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const uint64_t top = heap.back();
    heap.pop_back();
    const auto i = static_cast<uint32_t>(top);
    if (rank[i] != static_cast<uint32_t>(top >> 32)) continue;  // stale
    const uint32_t j = next[i];
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = i;
    rank[j] = kDead;
    for (const uint32_t part : {i, i > 0 ? prev[i] : kDead}) {
      if (part == kDead) continue;
      rank[part] = pair_rank(part);
      if (rank[part] != kNoRank) {
        heap.push_back(uint64_t{rank[part]} << 32 | part);
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
      }
    }
  }
  for (uint32_t i = 0; i < n; i = next[i]) emit(Lookup(piece + i, next[i] - i, memo));
}

}  // namespace nexus::tokenizer
