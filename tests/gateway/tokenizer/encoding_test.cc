#include "gateway/tokenizer/encoding.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gateway/tokenizer/estimator.h"
#include "gateway/tokenizer/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nexus::tokenizer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Encoding> LoadOrDie(EncodingId id) {
  absl::StatusOr<std::unique_ptr<Encoding>> encoding = Encoding::Load(id);
  EXPECT_TRUE(encoding.ok()) << encoding.status();
  return std::move(*encoding);
}

TEST(EncodingTest, NamesAndVocabulary) {
  auto cl100k = LoadOrDie(EncodingId::kCl100kBase);
  auto o200k = LoadOrDie(EncodingId::kO200kBase);
  EXPECT_EQ(cl100k->name(), "cl100k_base");
  EXPECT_EQ(o200k->name(), "o200k_base");
  EXPECT_EQ(cl100k->vocabulary_size(), 100256u);
  EXPECT_EQ(o200k->vocabulary_size(), 199998u);
  EXPECT_EQ(*ParseEncodingName("o200k_base"), EncodingId::kO200kBase);
  EXPECT_EQ(ParseEncodingName("gpt2").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EncodingTest, SpecialTokenTextIsOrdinaryText) {
  auto cl100k = LoadOrDie(EncodingId::kCl100kBase);
  const std::vector<uint32_t> ids = cl100k->Encode("<|endoftext|>");
  EXPECT_GT(ids.size(), 1u);
  for (uint32_t id : ids) EXPECT_LT(id, 100256u);  // never the special id 100257
}

TEST(EncodingTest, DecodeRejectsIdsOutsideTheVocabulary) {
  auto o200k = LoadOrDie(EncodingId::kO200kBase);
  const std::vector<uint32_t> ids = {24912, 199998};
  absl::StatusOr<std::string> text = o200k->Decode(ids);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("ids[1]"));
  EXPECT_EQ(*o200k->Decode({}), "");
}

TEST(EncodingTest, MegabyteWithoutSpacesRoundTrips) {
  // One pre-tokenizer piece of 1 MB: exercises the heap merge (the quadratic one would take
  // minutes). Letters repeat in a pattern no single token covers.
  std::string text;
  while (text.size() < 1000000) text += "qzxjvkwqpzmxnbcv";
  for (EncodingId id : {EncodingId::kCl100kBase, EncodingId::kO200kBase}) {
    auto encoding = LoadOrDie(id);
    const std::vector<uint32_t> ids = encoding->Encode(text);
    EXPECT_EQ(encoding->Count(text), ids.size());
    EXPECT_EQ(*encoding->Decode(ids), text);
    EXPECT_GT(ids.size(), text.size() / 16);
  }
}

TEST(EncodingTest, ArbitraryBytesNeverCrashAndDecodeToTheReplacedText) {
  auto o200k = LoadOrDie(EncodingId::kO200kBase);
  std::string bytes;
  uint32_t state = 12345;
  for (int i = 0; i < 200000; ++i) {
    state = state * 1103515245 + 12345;
    bytes.push_back(static_cast<char>(state >> 16));
  }
  const std::vector<uint32_t> ids = o200k->Encode(bytes);
  EXPECT_EQ(*o200k->Decode(ids), ReplaceInvalidUtf8(bytes));
  EXPECT_TRUE(IsValidUtf8(ReplaceInvalidUtf8(bytes)));
}

TEST(EncodingTest, ConcurrentUseGivesTheSameIds) {
  auto cl100k = LoadOrDie(EncodingId::kCl100kBase);
  std::string text;
  for (int i = 0; i < 400; ++i)
    text += "Concurrent 并发 encoding, line " + std::to_string(i) + "\n";
  const std::vector<uint32_t> expected = cl100k->Encode(text);
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      bool same = true;
      for (int k = 0; k < 20; ++k) same = same && cl100k->Encode(text) == expected;
      ok[t] = same;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(ok, ::testing::Each(1));
}

TEST(Utf8Test, ReplacesMaximalSubparts) {
  EXPECT_EQ(ReplaceInvalidUtf8("a\x80z"), "a\xef\xbf\xbdz");
  // A truncated three-byte sequence is one replacement, not two.
  EXPECT_EQ(ReplaceInvalidUtf8("\xe4\xbd"), "\xef\xbf\xbd");
  // Overlong and surrogate encodings: one replacement per byte.
  EXPECT_EQ(ReplaceInvalidUtf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(ReplaceInvalidUtf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(IsValidUtf8("你好 👋"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));
}

TEST(EstimatorTest, CountsCharacterClasses) {
  const TextFeatures f = ExtractFeatures("Hello, 世界！ 12345\n");
  EXPECT_EQ(f.counts[TextFeatures::kWords], 1);
  EXPECT_EQ(f.counts[TextFeatures::kLetters], 5);
  EXPECT_EQ(f.counts[TextFeatures::kHan], 2);
  EXPECT_EQ(f.counts[TextFeatures::kCjkPunct], 1);
  EXPECT_EQ(f.counts[TextFeatures::kDigitGroups], 2);
  EXPECT_EQ(f.counts[TextFeatures::kPunct], 1);
  EXPECT_EQ(f.counts[TextFeatures::kNewlines], 1);
  EXPECT_EQ(EstimateTokens(""), 0);
  EXPECT_GE(EstimateTokens("\xff"), 1);
}

TEST(EstimatorTest, StaysNearExactCountsOnMixedText) {
  // Text not in the calibration corpus; the bound is the documented error with a margin.
  const std::string text =
      "今天我们讨论如何把网关部署到生产环境，包括 TLS 证书、日志轮转和监控告警。"
      "The rollout plan has three stages: canary, 10% of traffic, then everyone. "
      "如果错误率超过 1%，自动回滚到上一个版本。";
  auto o200k = LoadOrDie(EncodingId::kO200kBase);
  auto cl100k = LoadOrDie(EncodingId::kCl100kBase);
  const double mean =
      (static_cast<double>(o200k->Count(text)) + static_cast<double>(cl100k->Count(text))) / 2;
  EXPECT_NEAR(static_cast<double>(EstimateTokens(text)), mean, 0.25 * mean);
}

}  // namespace
}  // namespace nexus::tokenizer
