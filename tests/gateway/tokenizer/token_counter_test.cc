#include "gateway/tokenizer/token_counter.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace nexus::tokenizer {
namespace {

using ::testing::HasSubstr;

class TokenCounterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = EncodingSet::Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    encodings_ = new std::shared_ptr<const EncodingSet>(*loaded);
  }
  static void TearDownTestSuite() { delete encodings_; }

  TokenCounter counter_{*encodings_};
  static std::shared_ptr<const EncodingSet>* encodings_;
};
std::shared_ptr<const EncodingSet>* TokenCounterTest::encodings_ = nullptr;

TEST_F(TokenCounterTest, ChatCountsMatchProviderReportedPromptTokens) {
  std::ifstream in(NEXUS_TOKENIZER_CHAT_FIXTURES);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const nlohmann::json fixtures = nlohmann::json::parse(buffer.str());
  size_t checked = 0;
  for (const nlohmann::json& fixture : fixtures["fixtures"]) {
    for (const nlohmann::json& expected : fixture["expected"]) {
      const std::string model = expected["model"];
      absl::StatusOr<TokenCount> count = counter_.CountChat(model, "", fixture["messages"]);
      ASSERT_TRUE(count.ok()) << count.status();
      EXPECT_EQ(count->tokens, expected["prompt_tokens"].get<int64_t>())
          << fixture["name"] << " " << model << " (" << expected["source"] << ")";
      EXPECT_TRUE(count->exact) << model;
      ++checked;
    }
  }
  EXPECT_GE(checked, 8u);
}

TEST_F(TokenCounterTest, ModelFamiliesMapToTheirEncodings) {
  const std::pair<const char*, const char*> cases[] = {
      {"gpt-4o", "o200k_base"},
      {"gpt-4o-mini-2024-07-18", "o200k_base"},
      {"chatgpt-4o-latest", "o200k_base"},
      {"gpt-4.1-nano", "o200k_base"},
      {"gpt-4.5-preview", "o200k_base"},
      {"gpt-5", "o200k_base"},
      {"gpt-5-mini", "o200k_base"},
      {"o1", "o200k_base"},
      {"o1-preview", "o200k_base"},
      {"o3-mini", "o200k_base"},
      {"o4-mini", "o200k_base"},
      {"openai/gpt-4o", "o200k_base"},
      {"ft:gpt-4o-mini:acme::abc", "o200k_base"},
      {"GPT-4O", "o200k_base"},
      {"gpt-4", "cl100k_base"},
      {"gpt-4-turbo", "cl100k_base"},
      {"gpt-4-0613", "cl100k_base"},
      {"gpt-3.5-turbo", "cl100k_base"},
      {"gpt-35-turbo", "cl100k_base"},
      {"text-embedding-3-small", "cl100k_base"},
      {"text-embedding-ada-002", "cl100k_base"},
      {"claude-3-5-sonnet", "estimate"},
      {"gemini-1.5-pro", "estimate"},
      {"qwen2.5-72b-instruct", "estimate"},
      {"deepseek-chat", "estimate"},
      {"llama-3.1-70b", "estimate"},
      {"mistral-large", "estimate"},
      {"o1x", "estimate"},
      {"gpt-4oo", "estimate"},
  };
  for (const auto& [model, encoding] : cases) {
    absl::StatusOr<TokenCount> count = counter_.CountText(model, "", "hello");
    ASSERT_TRUE(count.ok()) << model;
    EXPECT_EQ(count->encoding, encoding) << model;
    EXPECT_EQ(count->exact, std::string_view(encoding) != "estimate") << model;
  }
}

TEST_F(TokenCounterTest, ExplicitTokenizerWins) {
  absl::StatusOr<TokenCount> count = counter_.CountText("claude-3-opus", "cl100k_base", "hello");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->encoding, "cl100k_base");
  EXPECT_TRUE(count->exact);
  count = counter_.CountText("gpt-4o", "estimate", "hello");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->encoding, "estimate");
  EXPECT_FALSE(count->exact);
  count = counter_.CountText("", "o200k_base", "hello world");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->tokens, 2);
}

TEST_F(TokenCounterTest, RejectsUnknownTokenizerAndMissingModel) {
  absl::StatusOr<TokenCount> count = counter_.CountText("gpt-4o", "p50k_base", "x");
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(count.status().message(), HasSubstr("tokenizer"));
  count = counter_.CountText("", "", "x");
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(count.status().message(), HasSubstr("model"));
}

TEST_F(TokenCounterTest, ChatValidationNamesTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"role":"user"})", "messages: must be an array"},
      {R"([1])", "messages[0]: must be an object"},
      {R"([{"content":"hi"}])", "messages[0].role"},
      {R"([{"role":"user","content":"a"},{"role":"user","content":5}])", "messages[1].content"},
      {R"([{"role":"user","content":[{"text":"a"}]}])", "messages[0].content[0].type"},
      {R"([{"role":"user","content":[{"type":"text","text":3}]}])", "messages[0].content[0].text"},
      {R"([{"role":"user","content":["x"]}])", "messages[0].content[0]: must be an object"},
      {R"([{"role":"user","name":7,"content":"x"}])", "messages[0].name"},
  };
  for (const auto& [json, field] : cases) {
    absl::StatusOr<TokenCount> count =
        counter_.CountChat("gpt-4o", "", nlohmann::json::parse(json));
    EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(count.status().message(), HasSubstr(field)) << json;
  }
}

TEST_F(TokenCounterTest, ContentPartsCountLikeTheSameString) {
  const auto as_string =
      nlohmann::json::parse(R"([{"role":"user","content":"Hello there, how are you?"}])");
  const auto as_parts = nlohmann::json::parse(
      R"([{"role":"user","content":[{"type":"text","text":"Hello there,"},
                                    {"type":"text","text":" how are you?"}]}])");
  absl::StatusOr<TokenCount> a = counter_.CountChat("gpt-4o", "", as_string);
  absl::StatusOr<TokenCount> b = counter_.CountChat("gpt-4o", "", as_parts);
  ASSERT_TRUE(a.ok() && b.ok());
  // 3 per message + "user" (1) + content + 3 reply priming.
  EXPECT_EQ(a->tokens, 3 + 1 + 7 + 3);
  EXPECT_EQ(b->tokens, a->tokens);
  EXPECT_TRUE(b->exact);
}

TEST_F(TokenCounterTest, ImagesAndToolCallsMakeTheCountInexact) {
  const auto image = nlohmann::json::parse(R"([{"role":"user","content":[
      {"type":"text","text":"What is this?"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}])");
  absl::StatusOr<TokenCount> count = counter_.CountChat("gpt-4o", "", image);
  ASSERT_TRUE(count.ok());
  EXPECT_FALSE(count->exact);
  EXPECT_EQ(count->encoding, "o200k_base");
  const auto tools = nlohmann::json::parse(R"([{"role":"assistant","content":null,
      "tool_calls":[{"id":"c1","type":"function",
                     "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}])");
  count = counter_.CountChat("gpt-4o", "", tools);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_FALSE(count->exact);
  EXPECT_GT(count->tokens, 3 + 1 + 3);
}

TEST_F(TokenCounterTest, EstimateForUnknownModelsIsReportedInexact) {
  absl::StatusOr<TokenCount> count = counter_.CountChat(
      "claude-3-5-sonnet", "",
      nlohmann::json::parse(R"([{"role":"user","content":"我们使用 GPT-4o 来处理 API 请求。"}])"));
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->encoding, "estimate");
  EXPECT_FALSE(count->exact);
  EXPECT_GT(count->tokens, 3 + 3);
  absl::StatusOr<TokenCount> completion = counter_.CountCompletionText("qwen-max", "", "");
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->tokens, 0);
}

}  // namespace
}  // namespace nexus::tokenizer
