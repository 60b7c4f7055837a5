#include "gateway/upstream/chat_body.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nexus::gateway {
namespace {

using Json = nlohmann::json;

TEST(PrepareChatRequestBodyTest, SwapsOnlyTheTopLevelModelAndKeepsEveryOtherByte) {
  const std::string body =
      "{ \"messages\" : [{\"role\":\"user\",\"content\":\"say \\\"model\\\": \\u00e9\","
      "\"model\":\"inner\"}],\n  \"model\"  :  \"gpt-4o\", \"temperature\":0.50,"
      "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}] }";
  auto out = PrepareChatRequestBody(body, "gpt-4o-2024-08-06", /*ask_stream_usage=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  std::string expected = body;
  expected.replace(expected.find("\"gpt-4o\""), 8, "\"gpt-4o-2024-08-06\"");
  EXPECT_EQ(out->body, expected);
  EXPECT_FALSE(out->stream);
  EXPECT_FALSE(out->client_wants_usage);
}

TEST(PrepareChatRequestBodyTest, AddsIncludeUsageWhenStreaming) {
  auto out = PrepareChatRequestBody(R"({"model":"a","stream":true,"n":2})", "b", true);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->body,
            R"({"model":"b","stream":true,"n":2,"stream_options":{"include_usage":true}})");
  EXPECT_TRUE(out->stream);
  EXPECT_FALSE(out->client_wants_usage);
}

TEST(PrepareChatRequestBodyTest, LeavesStreamOptionsAloneWhenNotAsked) {
  const std::string body = R"({"model":"a","stream":true})";
  auto out = PrepareChatRequestBody(body, "a", /*ask_stream_usage=*/false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->body, body);
}

TEST(PrepareChatRequestBodyTest, ClientThatAskedForUsageIsReportedAndUntouched) {
  const std::string body =
      R"({"model":"a","stream":true,"stream_options": {"include_usage": true}})";
  auto out = PrepareChatRequestBody(body, "a", true);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->body, body);
  EXPECT_TRUE(out->client_wants_usage);
}

TEST(PrepareChatRequestBodyTest, ClientThatRefusedUsageGetsItAskedAnywayKeepingOtherOptions) {
  auto out = PrepareChatRequestBody(
      R"({"model":"a","stream":true,"stream_options":{"include_usage":false,"x":1}})", "a", true);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->client_wants_usage);
  Json j = Json::parse(out->body);
  EXPECT_EQ(j["stream_options"], Json::parse(R"({"include_usage":true,"x":1})"));

  auto null_opts =
      PrepareChatRequestBody(R"({"model":"a","stream":true,"stream_options":null})", "a", true);
  ASSERT_TRUE(null_opts.ok());
  EXPECT_EQ(null_opts->body,
            R"({"model":"a","stream":true,"stream_options":{"include_usage":true}})");
}

TEST(PrepareChatRequestBodyTest, NoStreamOptionsWithoutStreaming) {
  for (std::string body :
       {R"({"model":"a"})", R"({"model":"a","stream":false})", R"({"model":"a","stream":null})"}) {
    auto out = PrepareChatRequestBody(body, "a", true);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->body, body);
    EXPECT_FALSE(out->stream);
  }
}

TEST(PrepareChatRequestBodyTest, SimplifiedDialectDefaults) {
  ChatBodyOptions options{.upstream_model = "up",
                          .ask_stream_usage = true,
                          .default_stream = true,
                          .default_temperature = 0.7};
  auto out = PrepareChatRequestBody(R"({"model":"m","messages":[]})", options);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->stream);
  Json j = Json::parse(out->body);
  EXPECT_EQ(j["model"], "up");
  EXPECT_EQ(j["stream"], true);
  EXPECT_DOUBLE_EQ(j["temperature"].get<double>(), 0.7);
  EXPECT_EQ(j["stream_options"]["include_usage"], true);
  EXPECT_EQ(j["messages"], Json::array());

  // Explicit client values win over defaults.
  auto kept = PrepareChatRequestBody(R"({"model":"m","stream":false,"temperature":0})", options);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->body, R"({"model":"up","stream":false,"temperature":0})");
}

TEST(PrepareChatRequestBodyTest, RejectsBadInput) {
  auto code = [](std::string_view body) {
    return PrepareChatRequestBody(body, "x", true).status().code();
  };
  EXPECT_EQ(code(R"({"messages":[]})"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(R"({"model":5})"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(R"({"model":"a","stream":"yes"})"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(R"({"model":"a","stream":true,"stream_options":[1]})"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(R"([{"model":"a"}])"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(R"({"model":"a"} trailing)"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(R"({"model":"a")"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(R"({"model":"a",})"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(""), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("{\"model\":\"unterminated}"), absl::StatusCode::kInvalidArgument);
}

TEST(PrepareChatRequestBodyTest, EscapesTheUpstreamModelName) {
  auto out = PrepareChatRequestBody(R"({"model":"a"})", "we\"ird\\name", false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Json::parse(out->body)["model"], "we\"ird\\name");
}

TEST(PrepareChatRequestBodyTest, EscapedKeysAreRecognised) {
  auto out = PrepareChatRequestBody(R"({"mod\u0065l":"a"})", "b", false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Json::parse(out->body)["model"], "b");
}

TEST(ExtractJsonUsageTest, ChatCompletion) {
  std::string text;
  auto usage = ExtractJsonUsage(
      R"({"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there",)"
      R"("tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{}"}}]},)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,)"
      R"("total_tokens":16,"prompt_tokens_details":{"cached_tokens":0}}})",
      [&](int, std::string_view t) { text += t; });
  ASSERT_TRUE(usage.ok());
  ASSERT_TRUE(usage->has_value());
  EXPECT_EQ(**usage, (TokenUsage{12, 4, 16}));
  EXPECT_EQ(text, "Hi theref{}");
}

TEST(ExtractJsonUsageTest, Embeddings) {
  auto usage = ExtractJsonUsage(
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2]}],)"
      R"("model":"e","usage":{"prompt_tokens":8,"total_tokens":8}})");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(**usage, (TokenUsage{8, 0, 8}));
}

TEST(ExtractJsonUsageTest, MissingUsageAndBadJson) {
  auto none = ExtractJsonUsage(R"({"choices":[],"usage":null})");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(ExtractJsonUsage("{\"usage\":").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExtractJsonUsage("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nexus::gateway
