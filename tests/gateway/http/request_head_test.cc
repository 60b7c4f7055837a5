#include "gateway/http/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace nexus::gateway::http {
namespace {

constexpr std::string_view kHead =
    "POST /v1/chat/completions HTTP/1.1\r\n"
    "Host: 127.0.0.1:8001\r\n"
    "Authorization:  Bearer sk-abc \t\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 42\r\n"
    "\r\n";

TEST(RequestHeadTest, ParsesAPlainHeadIntoViews) {
  const std::string bytes = std::string(kHead) + "{\"model\":\"m\"}";
  const std::optional<RequestHead> head = ParseRequestHead(bytes);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->method, "POST");
  EXPECT_EQ(head->target, "/v1/chat/completions");
  EXPECT_EQ(head->version, "HTTP/1.1");
  EXPECT_EQ(head->size, kHead.size());
  ASSERT_EQ(head->headers.size(), 4u);
  EXPECT_EQ(head->headers[0].first, "Host");
  EXPECT_EQ(head->headers[0].second, "127.0.0.1:8001");
  EXPECT_EQ(head->headers[1].second, "Bearer sk-abc");  // blanks around the value dropped
  EXPECT_EQ(PlainContentLength(*head), 42u);
  EXPECT_FALSE(AsksToClose(*head));
}

TEST(RequestHeadTest, IncompleteHeadIsNotParsed) {
  EXPECT_FALSE(ParseRequestHead(kHead.substr(0, kHead.size() - 2)).has_value());
  EXPECT_FALSE(ParseRequestHead("").has_value());
}

TEST(RequestHeadTest, AnythingButAPlainHeadIsLeftToTheGeneralParser) {
  const char* const kRejected[] = {
      "POST /v1/chat/completions HTTP/1.1\nHost: x\r\n\r\n",       // bare LF
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\ry\r\n\r\n",  // bare CR in a value
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
      "POST /v1/chat/completions HTTP/1.1\r\nBad Name: x\r\n\r\n",
      "POST /v1/chat/completions HTTP/1.1\r\n: no name\r\n\r\n",
      "POST /v1/chat/completions HTTP/1.1\r\nNoColon\r\n\r\n",
      "POST /v1/chat/completions HTTP/1.1\r\nX: a\x01z\r\n\r\n",  // control character
      "POST /v1/chat/completions HTTP/2.0\r\n\r\n",
      "POST http://host/v1/chat/completions HTTP/1.1\r\n\r\n",  // absolute form
      "POST /v1/chat completions HTTP/1.1\r\n\r\n",
      "POST  /v1/chat/completions HTTP/1.1\r\n\r\n",
      "PO(ST /v1/chat/completions HTTP/1.1\r\n\r\n",
      "POST /v1/chat/completions\r\n\r\n",
  };
  for (const char* head : kRejected) {
    EXPECT_FALSE(ParseRequestHead(head).has_value()) << head;
  }
}

TEST(RequestHeadTest, HeaderCountIsBounded) {
  std::string head = "POST /x HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i) head += "X-H: v\r\n";
  head += "\r\n";
  EXPECT_TRUE(ParseRequestHead(head, 5).has_value());
  EXPECT_FALSE(ParseRequestHead(head, 4).has_value());
}

std::optional<size_t> LengthOf(const std::string& headers) {
  const std::string bytes = "POST /x HTTP/1.1\r\n" + headers + "\r\n";
  const std::optional<RequestHead> head = ParseRequestHead(bytes);
  if (!head) return 999999;
  return PlainContentLength(*head);
}

TEST(RequestHeadTest, OnlyOnePlainContentLengthCounts) {
  EXPECT_EQ(LengthOf("content-length: 0\r\n"), 0u);
  EXPECT_EQ(LengthOf("Content-Length: 123\r\n"), 123u);
  EXPECT_EQ(LengthOf(""), std::nullopt);
  EXPECT_EQ(LengthOf("Content-Length: 1\r\nContent-Length: 1\r\n"), std::nullopt);
  EXPECT_EQ(LengthOf("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n"), std::nullopt);
  EXPECT_EQ(LengthOf("Content-Length: 1\r\nExpect: 100-continue\r\n"), std::nullopt);
  EXPECT_EQ(LengthOf("Content-Length: -1\r\n"), std::nullopt);
  EXPECT_EQ(LengthOf("Content-Length: 1 2\r\n"), std::nullopt);
  EXPECT_EQ(LengthOf("Content-Length: +5\r\n"), std::nullopt);
  EXPECT_EQ(LengthOf("Content-Length: 1234567890123\r\n"), std::nullopt);
}

TEST(RequestHeadTest, ConnectionCloseIsATokenInAnyCase) {
  auto asks = [](const std::string& headers) {
    const std::string bytes = "POST /x HTTP/1.1\r\n" + headers + "\r\n";
    return AsksToClose(*ParseRequestHead(bytes));
  };
  EXPECT_TRUE(asks("Connection: close\r\n"));
  EXPECT_TRUE(asks("connection: Keep-Alive, CLOSE\r\n"));
  EXPECT_FALSE(asks("Connection: keep-alive\r\n"));
  EXPECT_FALSE(asks("Connection: closed\r\n"));
  EXPECT_FALSE(asks("X-Connection: close\r\n"));
}

}  // namespace
}  // namespace nexus::gateway::http
