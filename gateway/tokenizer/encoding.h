#ifndef NEXUS_GATEWAY_TOKENIZER_ENCODING_H_
#define NEXUS_GATEWAY_TOKENIZER_ENCODING_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/tokenizer/pretokenizer.h"
#include "gateway/tokenizer/rank_table.h"

namespace nexus::tokenizer {

// The byte-pair encodings the library carries, both embedded in the binary.
enum class EncodingId { kCl100kBase, kO200kBase };

// "cl100k_base" or "o200k_base".
std::string_view EncodingName(EncodingId id);

// Parses "cl100k_base" / "o200k_base"; INVALID_ARGUMENT otherwise.
absl::StatusOr<EncodingId> ParseEncodingName(std::string_view name);

// One byte-pair encoding, token-for-token identical to tiktoken's `encode_ordinary`: special
// tokens such as "<|endoftext|>" are encoded as the plain text they are.
//
// Input that is not valid UTF-8 is first decoded with U+FFFD replacement (WHATWG / Python
// errors="replace"), which is what a text API sees after decoding the bytes; valid input is
// used as is. Immutable after Load, so one instance serves any number of threads.
class Encoding {
 public:
  static absl::StatusOr<std::unique_ptr<Encoding>> Load(EncodingId id);

  Encoding(const Encoding&) = delete;
  Encoding& operator=(const Encoding&) = delete;

  EncodingId id() const { return id_; }
  std::string_view name() const { return EncodingName(id_); }
  // Number of ordinary (non-special) tokens.
  uint32_t vocabulary_size() const { return table_.token_count(); }

  std::vector<uint32_t> Encode(std::string_view text) const;
  // Same as Encode(text).size(), without building the vector.
  size_t Count(std::string_view text) const;
  // The bytes of the tokens concatenated (which may split a UTF-8 sequence when `ids` is a
  // fragment); INVALID_ARGUMENT names the first id outside the vocabulary.
  absl::StatusOr<std::string> Decode(std::span<const uint32_t> ids) const;

 private:
  Encoding(EncodingId id, RankTable table, std::unique_ptr<Pretokenizer> pretokenizer);

  struct LookupMemo;

  template <typename Emit>
  void EncodeText(std::string_view text, Emit& emit) const;
  template <typename Emit>
  void EncodePiece(const uint8_t* piece, size_t size, LookupMemo* memo, Emit& emit) const;
  template <typename Emit>
  void MergePiece(const uint8_t* piece, size_t size, LookupMemo* memo, Emit& emit) const;
  template <typename Emit>
  void MergeShortPiece(const uint8_t* piece, size_t size, LookupMemo* memo, Emit& emit) const;
  template <typename Emit>
  void MergeLongPiece(const uint8_t* piece, size_t size, LookupMemo* memo, Emit& emit) const;
  uint32_t Lookup(const uint8_t* data, size_t size, LookupMemo* memo) const;

  EncodingId id_;
  RankTable table_;
  std::unique_ptr<Pretokenizer> pretokenizer_;
  uint32_t byte_ranks_[256];
};

}  // namespace nexus::tokenizer

#endif  // NEXUS_GATEWAY_TOKENIZER_ENCODING_H_
