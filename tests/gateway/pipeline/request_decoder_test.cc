#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gateway/pipeline/chat_request_check.h"
#include "gateway/pipeline/chat_request_decoder.h"
#include "gateway/pipeline/openai_error.h"
#include "gateway/pipeline/request_id.h"
#include "nlohmann/json.hpp"

namespace nexus::gateway {
namespace {

using nlohmann::json;

OpenAiError ErrorOf(const absl::StatusOr<DecodedChatRequest>& decoded) {
  EXPECT_FALSE(decoded.ok());
  return ToOpenAiError(decoded.status());
}

TEST(RequestDecoderTest, AcceptsAMinimalChatRequest) {
  RequestDecoder decoder(1 << 20);
  auto decoded = decoder.DecodeChat(
      R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})", ChatDialect::kOpenAi);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->model, "gpt-4o");
  EXPECT_FALSE(decoded->stream);
  EXPECT_FALSE(decoded->client_wants_usage);
}

TEST(RequestDecoderTest, SimplifiedDialectDefaultsStreamAndTemperature) {
  RequestDecoder decoder(1 << 20);
  auto decoded = decoder.DecodeChat(R"({"model":"m","messages":[{"role":"user","content":"x"}]})",
                                    ChatDialect::kSimplified);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->stream);
  EXPECT_EQ(decoded->body["temperature"], 0.7);
  auto explicit_values = decoder.DecodeChat(
      R"({"model":"m","stream":false,"temperature":0.1,"messages":[{"role":"user","content":"x"}]})",
      ChatDialect::kSimplified);
  ASSERT_TRUE(explicit_values.ok());
  EXPECT_FALSE(explicit_values->stream);
  EXPECT_EQ(explicit_values->body["temperature"], 0.1);
}

TEST(RequestDecoderTest, ReadsIncludeUsage) {
  RequestDecoder decoder(1 << 20);
  auto decoded = decoder.DecodeChat(
      R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]})",
      ChatDialect::kOpenAi);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->stream);
  EXPECT_TRUE(decoded->client_wants_usage);
}

struct BadCase {
  const char* body;
  int status;
  const char* param;
  const char* code;
};

class BadChatRequestTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadChatRequestTest, IsRejectedWithAPreciseError) {
  RequestDecoder decoder(256);
  OpenAiError error = ErrorOf(decoder.DecodeChat(GetParam().body, ChatDialect::kOpenAi));
  EXPECT_EQ(decoder.CheckChat(GetParam().body, ChatDialect::kOpenAi).status(),
            decoder.DecodeChat(GetParam().body, ChatDialect::kOpenAi).status());
  EXPECT_EQ(error.http_status, GetParam().status);
  EXPECT_EQ(error.type, "invalid_request_error");
  EXPECT_EQ(error.param, GetParam().param);
  EXPECT_EQ(error.code, GetParam().code);
  EXPECT_FALSE(error.message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadChatRequestTest,
    ::testing::Values(
        BadCase{"{oops", 400, "", "invalid_json"}, BadCase{"", 400, "", "invalid_json"},
        BadCase{"[]", 400, "", "invalid_json"},
        BadCase{R"({"messages":[{"role":"user"}]})", 400, "model", "missing_required_parameter"},
        BadCase{R"({"model":"","messages":[{"role":"user"}]})", 400, "model", "invalid_value"},
        BadCase{R"({"model":7,"messages":[{"role":"user"}]})", 400, "model", "invalid_type"},
        BadCase{R"({"model":"m"})", 400, "messages", "missing_required_parameter"},
        BadCase{R"({"model":"m","messages":{}})", 400, "messages", "invalid_type"},
        BadCase{R"({"model":"m","messages":[]})", 400, "messages", "invalid_value"},
        BadCase{R"({"model":"m","messages":[1]})", 400, "messages[0]", "invalid_type"},
        BadCase{R"({"model":"m","messages":[{"content":"x"}]})", 400, "messages[0].role",
                "missing_required_parameter"},
        BadCase{R"({"model":"m","messages":[{"role":"user","content":5}]})", 400,
                "messages[0].content", "invalid_type"},
        BadCase{R"({"model":"m","stream":1,"messages":[{"role":"user"}]})", 400, "stream",
                "invalid_type"},
        BadCase{R"({"model":"m","temperature":"hot","messages":[{"role":"user"}]})", 400,
                "temperature", "invalid_type"},
        BadCase{R"({"model":"m","max_tokens":1.5,"messages":[{"role":"user"}]})", 400, "max_tokens",
                "invalid_type"},
        BadCase{
            R"({"model":"m","stream_options":{"include_usage":"y"},"messages":[{"role":"user"}]})",
            400, "stream_options.include_usage", "invalid_type"}));

// CheckChat (one pass, no document) must give exactly DecodeChat's verdict and values.
void ExpectCheckMatchesDecode(const RequestDecoder& decoder, const std::string& body) {
  for (ChatDialect dialect : {ChatDialect::kOpenAi, ChatDialect::kSimplified}) {
    absl::StatusOr<DecodedChatRequest> decoded = decoder.DecodeChat(body, dialect);
    absl::StatusOr<CheckedChatRequest> checked = decoder.CheckChat(body, dialect);
    ASSERT_EQ(decoded.ok(), checked.ok()) << body;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status(), checked.status()) << body;
      continue;
    }
    EXPECT_EQ(decoded->model, checked->model) << body;
    EXPECT_EQ(decoded->stream, checked->stream) << body;
    EXPECT_EQ(decoded->client_wants_usage, checked->client_wants_usage) << body;
  }
}

const std::vector<std::string>& CheckSeeds() {
  static const std::vector<std::string> seeds = {
      R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},)"
      R"({"role":"user","content":[{"type":"text","text":"hi"}]},{"role":"assistant",)"
      R"("content":null,"tool_calls":[]}],"temperature":0.2,"top_p":1,"max_tokens":128,"n":1,)"
      R"("user":"u","stream":true,"stream_options":{"include_usage":true},"seed":-3,)"
      R"("stop":["x"],"tools":[],"response_format":{"type":"json_object"},"logprobs":false})",
      R"({"model":"m\u00e9","messages":[{"role":"user","content":"x"}],"stream":null,)"
      R"("stream_options":{"include_usage":false,"other":{"a":[1]}},"logit_bias":{"1":2}})",
      R"( { "messages" : [ { "content" : "x" , "role" : "user" } ] , "model" : "m" } )",
  };
  return seeds;
}

TEST(RequestDecoderTest, CheckChatTakesTheFastPathForValidBodies) {
  for (const std::string& body : CheckSeeds()) {
    EXPECT_TRUE(QuickCheckChatRequest(body, 128).has_value()) << body;
  }
  auto quick = QuickCheckChatRequest(CheckSeeds()[0], 128);
  ASSERT_TRUE(quick.has_value());
  EXPECT_EQ(quick->model, "gpt-4o-mini");
  EXPECT_EQ(quick->stream, true);
  EXPECT_TRUE(quick->client_wants_usage);
}

TEST(RequestDecoderTest, CheckChatAgreesWithDecodeChat) {
  RequestDecoder decoder(1 << 20);
  std::vector<std::string> bodies = CheckSeeds();
  for (const char* extra : {
           R"({"model":"m","model":"n","messages":[{"role":"user"}]})",
           R"({"model":"m","messages":[{"role":"user"}],"stream":true,"stream":false})",
           R"({"model":"m","messages":[{"role":"user"}],"stream_options":{"include_usage":true,)"
           R"("include_usage":null},"stream":true})",
           R"({"model":"m","messages":[{"role":"user","role":"system"}]})",
           R"({"model":"m","messages":[{"role":"user","content":[]},{"role":1}]})",
           R"({"model":"m","messages":[{"role":"user"}],"n":18446744073709551615})",
           R"({"model":"m","messages":[{"role":"user"}],"n":18446744073709551616})",
           R"({"model":"m","messages":[{"role":"user"}],"n":-9223372036854775809})",
           R"({"model":"m","messages":[{"role":"user"}],"max_tokens":1e2})",
           R"({"model":"m","messages":[{"role":"user"}],"stop":null,"tools":null})",
           R"({"model":null,"messages":[{"role":"user"}]})",
           R"({"model":"m","messages":null})",
           R"({"model":"m","messages":[{"role":"user"}]} )",
       }) {
    bodies.push_back(extra);
  }
  std::string deep = R"({"model":"m","messages":[{"role":"user"}],"x":)";
  bodies.push_back(deep + std::string(126, '[') + std::string(126, ']') + "}");
  bodies.push_back(deep + std::string(127, '[') + std::string(127, ']') + "}");
  for (const std::string& body : bodies) ExpectCheckMatchesDecode(decoder, body);

  std::mt19937 random(4);
  const std::string alphabet = "{}[],:\" 01.e-tfnul\\mxyz";
  for (const std::string& seed : CheckSeeds()) {
    for (int round = 0; round < 2000; ++round) {
      std::string body = seed;
      const size_t at = random() % body.size();
      const char c = alphabet[random() % alphabet.size()];
      if (random() % 2) {
        body[at] = c;
      } else {
        body.erase(at, 1);
      }
      ExpectCheckMatchesDecode(decoder, body);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(RequestDecoderTest, CheckChatKeepsTheSizeLimit) {
  RequestDecoder decoder(32);
  auto checked = decoder.CheckChat(R"({"model":"m","messages":[{"role":"user","content":"x"}]})",
                                   ChatDialect::kOpenAi);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(ToOpenAiError(checked.status()).http_status, 413);
}

TEST(RequestDecoderTest, OversizedBodyIs413) {
  RequestDecoder decoder(64);
  std::string body =
      R"({"model":"m","messages":[{"role":"user","content":")" + std::string(100, 'x') + R"("}]})";
  EXPECT_EQ(ErrorOf(decoder.DecodeChat(body, ChatDialect::kOpenAi)).http_status, 413);
}

TEST(RequestDecoderTest, DeepNestingIsRejectedNotCrashed) {
  RequestDecoder decoder(1 << 20);
  std::string body = R"({"model":"m","messages":[{"role":"user","content":"x"}],"x":)" +
                     std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(ErrorOf(decoder.DecodeChat(body, ChatDialect::kOpenAi)).code, "invalid_json");
}

TEST(RequestDecoderTest, EmbeddingsNeedModelAndInput) {
  RequestDecoder decoder(1 << 20);
  EXPECT_TRUE(decoder.DecodeEmbeddings(R"({"model":"e","input":"hi"})").ok());
  EXPECT_TRUE(decoder.DecodeEmbeddings(R"({"model":"e","input":["a","b"]})").ok());
  EXPECT_FALSE(decoder.DecodeEmbeddings(R"({"model":"e"})").ok());
  EXPECT_FALSE(decoder.DecodeEmbeddings(R"({"model":"e","input":[]})").ok());
  EXPECT_FALSE(decoder.DecodeEmbeddings(R"({"model":"e","input":3})").ok());
}

TEST(RequestDecoderTest, TokenCountTakesTextOrMessagesButNotBoth) {
  RequestDecoder decoder(1 << 20);
  auto text = decoder.DecodeTokenCount(R"({"model":"gpt-4o","text":"hello"})");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->text, "hello");
  auto messages =
      decoder.DecodeTokenCount(R"({"model":"gpt-4o","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(messages.ok());
  EXPECT_TRUE(messages->has_messages);
  EXPECT_FALSE(decoder.DecodeTokenCount(R"({"model":"gpt-4o"})").ok());
  EXPECT_FALSE(
      decoder.DecodeTokenCount(R"({"model":"gpt-4o","text":"a","messages":[{"role":"user"}]})")
          .ok());
  EXPECT_FALSE(decoder.DecodeTokenCount(R"({"model":"gpt-4o","text":5})").ok());
}

TEST(OpenAiErrorTest, EncodesOpenAisShapeWithNulls) {
  json body = json::parse(EncodeOpenAiError(
      OpenAiError{401, "Incorrect API key provided.", "authentication_error", "", ""}));
  EXPECT_EQ(body, json::parse(R"({"error":{"message":"Incorrect API key provided.",)"
                              R"("type":"authentication_error","param":null,"code":null}})"));
}

TEST(OpenAiErrorTest, MapsStatusesThroughTheSharedTable) {
  OpenAiError error = ToOpenAiError(
      WithOpenAiDetail(absl::ResourceExhaustedError("slow down"), "", "rate_limit_exceeded"));
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.type, "rate_limit_error");
  EXPECT_EQ(error.code, "rate_limit_exceeded");
  EXPECT_EQ(ToOpenAiError(absl::UnavailableError("x")).http_status, 503);
  EXPECT_EQ(ToOpenAiError(absl::UnauthenticatedError("x")).http_status, 401);
}

TEST(OpenAiErrorTest, InvalidUtf8DoesNotThrow) {
  std::string message = "bad \xff\xfe bytes";
  EXPECT_FALSE(EncodeOpenAiError(OpenAiError{500, message, "server_error", "", ""}).empty());
}

TEST(RequestIdTest, KeepsSaneClientIdsAndReplacesOthers) {
  EXPECT_EQ(AcceptOrNewRequestId("abc-123_x.y:z"), "abc-123_x.y:z");
  std::string generated = AcceptOrNewRequestId("has space");
  EXPECT_EQ(generated.rfind("req_", 0), 0u);
  EXPECT_EQ(generated.size(), 36u);  // format: request_id_test.cc
  EXPECT_NE(AcceptOrNewRequestId(""), AcceptOrNewRequestId(""));
  EXPECT_NE(AcceptOrNewRequestId(std::string(200, 'a')).size(), 200u);
  EXPECT_TRUE(IsSaneRequestId(NewRequestId()));
}

}  // namespace
}  // namespace nexus::gateway
