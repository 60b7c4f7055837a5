// Compares both encodings with the reference tokenizer's ids on the whole golden corpus
// (written at build time by make_golden.mjs; see CMakeLists.txt).
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gateway/tokenizer/encoding.h"
#include "gateway/tokenizer/utf8.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace nexus::tokenizer {
namespace {

nlohmann::json LoadGolden() {
  std::ifstream in(NEXUS_TOKENIZER_GOLDEN_FILE);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return nlohmann::json::parse(buffer.str());
}

std::string FromBase64(const nlohmann::json& value) {
  std::string out;
  EXPECT_TRUE(absl::Base64Unescape(value.get<std::string>(), &out));
  return out;
}

class GoldenTest : public ::testing::TestWithParam<EncodingId> {};

TEST_P(GoldenTest, IdsCountsAndRoundTripMatchReference) {
  const nlohmann::json golden = LoadGolden();
  ASSERT_GE(golden["cases"].size(), 400u);
  absl::StatusOr<std::unique_ptr<Encoding>> encoding = Encoding::Load(GetParam());
  ASSERT_TRUE(encoding.ok()) << encoding.status();
  const std::string name(EncodingName(GetParam()));
  size_t mismatches = 0;
  for (const nlohmann::json& c : golden["cases"]) {
    const std::string input = FromBase64(c["input_base64"]);
    const std::string text = FromBase64(c["text_base64"]);
    const auto expected = c[name].get<std::vector<uint32_t>>();
    const std::vector<uint32_t> ids = (*encoding)->Encode(input);
    if (ids != expected) ++mismatches;
    EXPECT_EQ(ids, expected) << name << " case " << c["name"];
    EXPECT_EQ((*encoding)->Count(input), expected.size()) << name << " case " << c["name"];
    absl::StatusOr<std::string> decoded = (*encoding)->Decode(ids);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, text) << name << " case " << c["name"];
  }
  EXPECT_EQ(mismatches, 0u);
}

INSTANTIATE_TEST_SUITE_P(BothEncodings, GoldenTest,
                         ::testing::Values(EncodingId::kCl100kBase, EncodingId::kO200kBase),
                         [](const auto& info) { return std::string(EncodingName(info.param)); });

TEST(Utf8Golden, ReplacementMatchesReferenceDecoder) {
  const nlohmann::json golden = LoadGolden();
  for (const nlohmann::json& c : golden["cases"]) {
    const std::string input = FromBase64(c["input_base64"]);
    const std::string text = FromBase64(c["text_base64"]);
    EXPECT_EQ(ReplaceInvalidUtf8(input), text) << c["name"];
    EXPECT_EQ(IsValidUtf8(input), input == text) << c["name"];
  }
}

}  // namespace
}  // namespace nexus::tokenizer
