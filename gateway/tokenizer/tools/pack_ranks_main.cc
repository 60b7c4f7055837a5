// Build-time tool: converts a `.tiktoken` rank file ("<base64 token> <rank>" per line) into the
// packed table of rank_table.h and writes a C++ source that embeds it with `.incbin`.
// Usage: nexus_tokenizer_pack <in.tiktoken> <symbol> <out.bin> <out.cc>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gateway/tokenizer/rank_table.h"

namespace {

using nexus::tokenizer::HashBytes;

bool ReadRanks(const std::string& path, std::vector<std::string>* tokens) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << path << "\n";
    return false;
  }
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    uint32_t rank = 0;
    std::string bytes;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[1], &rank) ||
        !absl::Base64Unescape(fields[0], &bytes) || bytes.empty()) {
      std::cerr << path << ":" << line_no << ": malformed line\n";
      return false;
    }
    // Ranks must be dense and in order: the rank is the index of the token.
    if (rank != tokens->size()) {
      std::cerr << path << ":" << line_no << ": rank " << rank << " out of order\n";
      return false;
    }
    tokens->push_back(std::move(bytes));
  }
  return !tokens->empty();
}

void AppendWords(const std::vector<uint32_t>& words, std::string* blob) {
  blob->append(reinterpret_cast<const char*>(words.data()), words.size() * sizeof(uint32_t));
}

std::string Pack(const std::vector<std::string>& tokens) {
  using nexus::tokenizer::RankSlot;
  using nexus::tokenizer::RankTable;
  const uint32_t count = static_cast<uint32_t>(tokens.size());
  const uint32_t slots = count + count * 2 / 3 + 1;  // load factor 0.6
  std::vector<uint32_t> offsets{0};
  std::string bytes;
  for (const std::string& t : tokens) {
    bytes += t;
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  std::vector<RankSlot> table(slots, RankSlot{0, 0, 0});
  for (uint32_t r = 0; r < count; ++r) {
    const auto* p = reinterpret_cast<const uint8_t*>(tokens[r].data());
    const size_t size = tokens[r].size();
    const uint64_t prefix = nexus::tokenizer::LoadPrefix(p, size);
    const uint64_t h = HashBytes(p, size, prefix);
    uint32_t i = RankTable::SlotIndex(h, slots);
    while (table[i].rank1 != 0) i = i + 1 == slots ? 0 : i + 1;
    table[i] = RankSlot{prefix, nexus::tokenizer::SizeTag(h, size), r + 1};
  }
  uint32_t short_count = 0;
  for (const std::string& t : tokens) short_count += t.size() <= nexus::tokenizer::kShortTokenMax;
  const uint32_t short_slots = short_count + short_count * 2 / 3 + 1;
  std::vector<uint64_t> short_table(short_slots, 0);
  for (uint32_t r = 0; r < count; ++r) {
    const size_t size = tokens[r].size();
    if (size > nexus::tokenizer::kShortTokenMax) continue;
    const uint64_t key =
        nexus::tokenizer::LoadPrefix(reinterpret_cast<const uint8_t*>(tokens[r].data()), size) |
        static_cast<uint64_t>(size - 1) << 32;
    uint32_t i = nexus::tokenizer::ShortSlotIndex(key, short_slots);
    while (short_table[i] != 0) i = i + 1 == short_slots ? 0 : i + 1;
    short_table[i] = key | static_cast<uint64_t>(r + 1) << 34;
  }
  const uint32_t long_count = count - short_count;
  uint32_t filter_words = 1;
  while (filter_words * 4 < long_count) filter_words *= 2;  // ~4 tokens per 64-bit word
  std::vector<uint64_t> filter(filter_words, 0);
  for (uint32_t r = 0; r < count; ++r) {
    const auto* p = reinterpret_cast<const uint8_t*>(tokens[r].data());
    const size_t size = tokens[r].size();
    if (size <= nexus::tokenizer::kShortTokenMax) continue;
    uint64_t mask = 0;
    const uint64_t word = nexus::tokenizer::FilterProbe(
        HashBytes(p, size, nexus::tokenizer::LoadPrefix(p, size)), filter_words, &mask);
    filter[word] |= mask;
  }
  std::string blob;
  AppendWords({nexus::tokenizer::kRankTableMagic, nexus::tokenizer::kRankTableFormatVersion, count,
               slots, short_slots, filter_words, static_cast<uint32_t>(bytes.size())},
              &blob);
  AppendWords(offsets, &blob);
  blob.resize((blob.size() + 15) / 16 * 16, '\0');
  blob.append(reinterpret_cast<const char*>(table.data()), table.size() * sizeof(RankSlot));
  blob.append(reinterpret_cast<const char*>(short_table.data()),
              short_table.size() * sizeof(uint64_t));
  blob.append(reinterpret_cast<const char*>(filter.data()), filter.size() * sizeof(uint64_t));
  blob += bytes;
  return blob;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: nexus_tokenizer_pack <in.tiktoken> <symbol> <out.bin> <out.cc>\n";
    return 2;
  }
  std::vector<std::string> tokens;
  if (!ReadRanks(argv[1], &tokens)) return 1;
  const std::string blob = Pack(tokens);
  const size_t blob_size = blob.size();
  const std::string symbol = argv[2];
  {
    std::ofstream out(argv[3], std::ios::binary | std::ios::trunc);
    out.write(blob.data(), static_cast<std::streamsize>(blob_size));
    if (!out) {
      std::cerr << "cannot write " << argv[3] << "\n";
      return 1;
    }
  }
  // The digest goes into the source so that a compiler cache never reuses a stale object.
  const uint64_t digest = HashBytes(
      reinterpret_cast<const uint8_t*>(blob.data()), blob_size,
      nexus::tokenizer::LoadPrefix(reinterpret_cast<const uint8_t*>(blob.data()), blob_size));
  std::ostringstream cc;
  cc << "// Generated by nexus_tokenizer_pack from " << argv[1] << "; do not edit.\n"
     << "// Content digest: " << std::hex << digest << std::dec << ", " << blob_size << " bytes, "
     << tokens.size() << " tokens.\n"
     << "#include <cstdint>\n#include <span>\n\n"
     << "asm(R\"(\n"
     << "  .section .rodata.nexus_tokenizer_" << symbol << ",\"a\",@progbits\n"
     << "  .balign 64\n"
     << "  .globl nexus_tokenizer_" << symbol << "_begin\n"
     << "  .hidden nexus_tokenizer_" << symbol << "_begin\n"
     << "nexus_tokenizer_" << symbol << "_begin:\n"
     << "  .incbin \"" << argv[3] << "\"\n"
     << "  .globl nexus_tokenizer_" << symbol << "_end\n"
     << "  .hidden nexus_tokenizer_" << symbol << "_end\n"
     << "nexus_tokenizer_" << symbol << "_end:\n"
     << "  .previous\n)\");\n\n"
     << "extern \"C\" const uint8_t nexus_tokenizer_" << symbol << "_begin[];\n"
     << "extern \"C\" const uint8_t nexus_tokenizer_" << symbol << "_end[];\n\n"
     << "namespace nexus::tokenizer::internal {\n"
     << "std::span<const uint8_t> EmbeddedRankBlob_" << symbol << "() {\n"
     << "  return {nexus_tokenizer_" << symbol << "_begin, nexus_tokenizer_" << symbol
     << "_end};\n}\n}  // namespace nexus::tokenizer::internal\n";
  std::ofstream out(argv[4], std::ios::trunc);
  out << cc.str();
  return out ? 0 : 1;
}
