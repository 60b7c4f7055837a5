#include "gateway/tokenizer/encoding.h"

#include <algorithm>
#include <cstring>
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

// A min-priority queue of (rank << 32 | start) keys for megabyte-long pieces, built so that
// every operation stays in cache: one small binary heap per block of 1024 start positions, and
// a tournament tree over the blocks' minima. One big heap would take a cache miss per level.
class BlockedHeap {
 public:
  static constexpr uint32_t kBlock = 1024;
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  // `keys` must be sorted by start position (the order the initial pairs are made in).
  BlockedHeap(uint32_t positions, const std::vector<uint64_t>& keys)
      : blocks_((positions + kBlock - 1) / kBlock) {
    while (leaves_ < blocks_.size()) leaves_ *= 2;
    tree_.assign(2 * leaves_, kEmpty);
    for (uint64_t key : keys) blocks_[BlockOf(key)].push_back(key);
    for (size_t b = 0; b < blocks_.size(); ++b) {
      std::make_heap(blocks_[b].begin(), blocks_[b].end(), std::greater<>());
      if (!blocks_[b].empty()) tree_[leaves_ + b] = blocks_[b].front();
    }
    for (size_t i = leaves_; i-- > 1;) tree_[i] = std::min(tree_[2 * i], tree_[2 * i + 1]);
  }

  // The smallest key, removed; false when empty.
  bool Pop(uint64_t* key) {
    if (tree_[1] == kEmpty) return false;
    *key = tree_[1];
    const size_t b = BlockOf(*key);
    std::pop_heap(blocks_[b].begin(), blocks_[b].end(), std::greater<>());
    blocks_[b].pop_back();
    Update(b);
    return true;
  }

  // The key Pop would return next (kEmpty when empty), to prefetch what it will touch.
  uint64_t PeekMin() const { return tree_[1]; }
  void PrefetchBlock(uint64_t key) const {
    if (key != kEmpty) __builtin_prefetch(blocks_[BlockOf(key)].data());
  }

  void Push(uint64_t key) {
    const size_t b = BlockOf(key);
    blocks_[b].push_back(key);
    std::push_heap(blocks_[b].begin(), blocks_[b].end(), std::greater<>());
    if (blocks_[b].front() == key) Update(b);
  }

 private:
  static size_t BlockOf(uint64_t key) { return static_cast<uint32_t>(key) / kBlock; }

  void Update(size_t b) {
    size_t i = leaves_ + b;
    tree_[i] = blocks_[b].empty() ? kEmpty : blocks_[b].front();
    for (i /= 2; i >= 1; i /= 2) tree_[i] = std::min(tree_[2 * i], tree_[2 * i + 1]);
  }

  std::vector<std::vector<uint64_t>> blocks_;
  size_t leaves_ = 1;
  std::vector<uint64_t> tree_;
};

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

  // The ids of recently merged pieces (words, runs of CJK characters), direct-mapped by hash.
  // Pieces repeat within a text, and a hit skips the whole merge. `data` points into the text
  // being encoded, which outlives the memo.
  struct Piece {
    const uint8_t* data = nullptr;
    uint32_t size = 0;
    uint32_t ids_begin = 0;
    uint32_t ids_count = 0;
  };
  static constexpr size_t kPieces = 4096;
  static constexpr size_t kMaxIds = 1 << 20;  // bounds the memo at a few megabytes
  Piece pieces[kPieces];
  std::vector<uint32_t> ids;
  // Hash tags of pieces merged once: a piece is cached only when it comes back, so text whose
  // pieces never repeat does not fill the cache (and the CPU cache) with ids nobody reads.
  static constexpr size_t kSeen = 8192;
  uint32_t seen[kSeen] = {};
};

uint32_t Encoding::Lookup(const uint8_t* data, size_t size, LookupMemo* memo) const {
  if (size == 1) return byte_ranks_[data[0]];
  const uint64_t prefix = LoadPrefix(data, size);
  if (size <= kShortTokenMax) return table_.FindShort(prefix, size);
  const uint64_t hash = HashBytes(data, size, prefix);
  if (!table_.MayContainLong(hash)) return kNoRank;
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
    return;
  }
  if (memo == nullptr) {
    MergePiece(piece, size, memo, emit);
    return;
  }
  const uint64_t hash = HashBytes(piece, size, LoadPrefix(piece, size));
  LookupMemo::Piece& cached = memo->pieces[(hash >> 20) % LookupMemo::kPieces];
  if (cached.size == size && std::memcmp(cached.data, piece, size) == 0) {
    for (uint32_t k = 0; k < cached.ids_count; ++k) emit(memo->ids[cached.ids_begin + k]);
    return;
  }
  uint32_t& seen = memo->seen[(hash >> 8) % LookupMemo::kSeen];
  if (seen != static_cast<uint32_t>(hash)) {
    seen = static_cast<uint32_t>(hash);
    MergePiece(piece, size, memo, emit);
    return;
  }
  const size_t begin = memo->ids.size();
  auto record = [&](uint32_t id) {
    memo->ids.push_back(id);
    emit(id);
  };
  MergePiece(piece, size, memo, record);
  if (memo->ids.size() > LookupMemo::kMaxIds) {
    memo->ids.resize(begin);
    return;
  }
  cached = {piece, static_cast<uint32_t>(size), static_cast<uint32_t>(begin),
            static_cast<uint32_t>(memo->ids.size() - begin)};
}

template <typename Emit>
void Encoding::MergePiece(const uint8_t* piece, size_t size, LookupMemo* memo, Emit& emit) const {
  if (size <= kShortPiece) {
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
  // The initial pair lookups are independent: start all their cache misses first.
  for (size_t i = 0; i + 1 < size; ++i) table_.PrefetchShort(LoadPrefix(piece + i, 2), 2);
  for (size_t i = 0; i < size; ++i) {
    start[i] = static_cast<uint32_t>(i);
    rank[i] = i + 1 < size ? table_.FindShort(LoadPrefix(piece + i, 2), 2) : kNoRank;
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

// The same merge order with a priority queue keyed by (rank, start) and lazily discarded stale
// entries, so a megabyte-long piece costs O(n log n) instead of O(n^2).
template <typename Emit>
void Encoding::MergeLongPiece(const uint8_t* piece, size_t size, LookupMemo* memo,
                              Emit& emit) const {
  constexpr uint32_t kDead = 0xfffffffeU;
  const auto n = static_cast<uint32_t>(size);
  // Indexed by a part's start byte; one struct so a visit to a part costs one cache miss.
  struct Part {
    uint32_t next;  // start of the following part (n at the end)
    uint32_t prev;  // start of the preceding part (unused for the first)
    uint32_t rank;  // rank of this part merged with the next, kNoRank, or kDead once absorbed
  };
  std::vector<Part> parts(n);
  std::vector<uint64_t> keys;
  keys.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t rank = i + 1 < n ? Lookup(piece + i, 2, memo) : kNoRank;
    parts[i] = Part{i + 1, i - 1, rank};
    if (rank != kNoRank) keys.push_back(uint64_t{rank} << 32 | i);
  }
  BlockedHeap heap(n, keys);
  auto pair_rank = [&](uint32_t i) {
    const uint32_t j = parts[i].next;
    return j < n ? Lookup(piece + i, parts[j].next - i, memo) : kNoRank;
  };
  uint64_t top = 0;
  while (heap.Pop(&top)) {
    const auto i = static_cast<uint32_t>(top);
    // Overlap the cache misses of the next pop with this one's work.
    const uint64_t upcoming = heap.PeekMin();
    heap.PrefetchBlock(upcoming);
    __builtin_prefetch(&parts[static_cast<uint32_t>(upcoming)]);
    if (parts[i].rank != static_cast<uint32_t>(top >> 32)) continue;  // stale
    const uint32_t j = parts[i].next;
    const uint32_t k = parts[j].next;
    parts[i].next = k;
    if (k < n) parts[k].prev = i;
    parts[j].rank = kDead;
    parts[i].rank = pair_rank(i);
    if (parts[i].rank != kNoRank) heap.Push(uint64_t{parts[i].rank} << 32 | i);
    if (i > 0) {
      const uint32_t h = parts[i].prev;
      parts[h].rank = pair_rank(h);
      if (parts[h].rank != kNoRank) heap.Push(uint64_t{parts[h].rank} << 32 | h);
    }
  }
  for (uint32_t i = 0; i < n; i = parts[i].next) {
    emit(Lookup(piece + i, parts[i].next - i, memo));
  }
}

}  // namespace nexus::tokenizer
