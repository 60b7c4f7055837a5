#include "gateway/upstream/chat_stream_relay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nexus::gateway {
namespace {

using ::testing::ElementsAre;

std::string Chunk(std::string_view content, std::string_view usage = "") {
  std::string c = R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",)"
                  R"("choices":[{"index":0,"delta":{"content":")" +
                  std::string(content) + R"("},"logprobs":null,"finish_reason":null}])";
  if (!usage.empty()) c += R"(,"usage":)" + std::string(usage);
  return c + "}";
}

std::string UsageOnlyChunk(int prompt, int completion) {
  return R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],)"
         R"("usage":{"prompt_tokens":)" +
         std::to_string(prompt) + R"(,"completion_tokens":)" + std::to_string(completion) +
         R"(,"total_tokens":)" + std::to_string(prompt + completion) + "}}";
}

std::string Sse(const std::vector<std::string>& datas) {
  std::string out;
  for (const std::string& d : datas) out += "data: " + d + "\n\n";
  return out;
}

ChatStreamRelayOptions Options(bool client_wants_usage, size_t max_line = 1 << 20) {
  ChatStreamRelayOptions options;
  options.client_wants_usage = client_wants_usage;
  options.limits.max_line_bytes = max_line;
  return options;
}

struct RelayRun {
  std::vector<std::string> events;
  std::vector<RelayEventKind> kinds;
  std::string text;
  absl::Status feed;
  absl::Status finish;
  std::optional<TokenUsage> usage;
  bool error = false;
};

RelayRun Relay(std::string_view bytes, bool client_wants_usage, size_t split = 0) {
  RelayRun run;
  ChatStreamRelay relay(
      Options(client_wants_usage),
      [&](std::string_view data, RelayEventKind kind) {
        run.events.emplace_back(data);
        run.kinds.push_back(kind);
        return true;
      },
      [&](int, std::string_view text) { run.text += text; });
  if (split == 0) {
    run.feed = relay.Feed(bytes);
  } else {
    for (size_t i = 0; i < bytes.size() && run.feed.ok(); i += split) {
      run.feed = relay.Feed(bytes.substr(i, split));
    }
  }
  run.finish = relay.Finish();
  run.usage = relay.usage();
  run.error = relay.upstream_error();
  return run;
}

TEST(ChatStreamRelayTest, RelaysChunksByteExactAndStopsAtDone) {
  const std::string a = Chunk("Hel"), b = Chunk("lo");
  RelayRun run = Relay(Sse({a, b, "[DONE]", Chunk("after done")}), false);
  EXPECT_TRUE(run.feed.ok());
  EXPECT_TRUE(run.finish.ok());
  EXPECT_THAT(run.events, ElementsAre(a, b));
  EXPECT_EQ(run.text, "Hello");
  EXPECT_FALSE(run.usage.has_value());
}

TEST(ChatStreamRelayTest, DropsTheUsageChunkTheClientDidNotAskFor) {
  const std::string a = Chunk("Hi", "null");
  RelayRun run = Relay(Sse({a, UsageOnlyChunk(10, 3), "[DONE]"}), /*client_wants_usage=*/false);
  EXPECT_THAT(run.events, ElementsAre(a));
  ASSERT_TRUE(run.usage.has_value());
  EXPECT_EQ(*run.usage, (TokenUsage{10, 3, 13}));
}

TEST(ChatStreamRelayTest, PassesTheUsageChunkWhenTheClientAsked) {
  const std::string a = Chunk("Hi", "null"), u = UsageOnlyChunk(10, 3);
  RelayRun run = Relay(Sse({a, u, "[DONE]"}), /*client_wants_usage=*/true);
  EXPECT_THAT(run.events, ElementsAre(a, u));
  EXPECT_EQ(*run.usage, (TokenUsage{10, 3, 13}));
}

TEST(ChatStreamRelayTest, CumulativeUsageKeepsTheLastValueNeverTheSum) {
  std::vector<std::string> chunks = {
      Chunk("a", R"({"prompt_tokens":5,"completion_tokens":1,"total_tokens":6})"),
      Chunk("b", R"({"prompt_tokens":5,"completion_tokens":2,"total_tokens":7})"),
      Chunk("c", R"({"prompt_tokens":5,"completion_tokens":3})"), "[DONE]"};
  RelayRun run = Relay(Sse(chunks), false);
  EXPECT_EQ(run.events.size(), 3u);  // chunks with content are never dropped
  EXPECT_EQ(*run.usage, (TokenUsage{5, 3, 8}));
}

TEST(ChatStreamRelayTest, FlagsAnErrorSentAfterThe200) {
  const std::string err = R"({"error":{"message":"overloaded","type":"server_error"}})";
  RelayRun run = Relay(Sse({Chunk("x"), err}), false);
  EXPECT_TRUE(run.error);
  EXPECT_THAT(run.events, ElementsAre(Chunk("x"), err));
  EXPECT_THAT(run.kinds, ElementsAre(RelayEventKind::kChunk, RelayEventKind::kError));
  EXPECT_TRUE(run.finish.ok());
}

TEST(ChatStreamRelayTest, AnErrorTypedEventIsAnError) {
  RelayRun run = Relay("event: error\ndata: upstream exploded\n\n", false);
  EXPECT_TRUE(run.error);
  EXPECT_THAT(run.kinds, ElementsAre(RelayEventKind::kError));
  EXPECT_THAT(run.events, ElementsAre("upstream exploded"));
}

TEST(ChatStreamRelayTest, ANonJsonEventIsDataLoss) {
  RelayRun run = Relay(Sse({Chunk("ok"), "{\"id\": broken", "[DONE]"}), false);
  EXPECT_EQ(run.feed.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(run.finish.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(run.events, ElementsAre(Chunk("ok")));
}

TEST(ChatStreamRelayTest, AStreamCutShortIsDataLossButAFinishedChoiceIsNot) {
  EXPECT_EQ(Relay(Sse({Chunk("a")}), false).finish.code(), absl::StatusCode::kDataLoss);
  const std::string last = R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})";
  EXPECT_TRUE(Relay(Sse({Chunk("a"), last}), false).finish.ok());
}

TEST(ChatStreamRelayTest, ExtractsToolCallArgumentsAndReasoning) {
  const std::string tool =
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t","type":"function",)"
      R"("function":{"name":"get_weather","arguments":"{\"city\":"}}]}}]})";
  const std::string more =
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},)"
      R"("index":0}]})";
  const std::string think = R"({"choices":[{"index":0,"delta":{"reasoning_content":"hmm "}}]})";
  RelayRun run = Relay(Sse({think, tool, more, "[DONE]"}), false);
  EXPECT_EQ(run.text, "hmm get_weather{\"city\":\"Paris\"}");
}

TEST(ChatStreamRelayTest, TextIsReportedPerChoice) {
  std::vector<std::pair<int, std::string>> seen;
  ChatStreamRelay relay(
      {}, [](std::string_view, RelayEventKind) { return true; },
      [&](int i, std::string_view t) { seen.emplace_back(i, std::string(t)); });
  const std::string two = R"({"choices":[{"delta":{"content":"b"},"index":1},)"
                          R"({"index":0,"delta":{"content":"a"}}]})";
  ASSERT_TRUE(relay.Feed(Sse({two})).ok());
  EXPECT_THAT(
      seen, ElementsAre(std::pair<int, std::string>{1, "b"}, std::pair<int, std::string>{0, "a"}));
}

TEST(ChatStreamRelayTest, SameResultForEverySplitSize) {
  const std::string bytes = "data: " + Chunk("Hel", "null") + "\r\n\r\n: ping\n\n" +
                            Sse({Chunk("lo", "null"), UsageOnlyChunk(4, 2), "[DONE]"});
  RelayRun whole = Relay(bytes, false);
  for (size_t split = 1; split < bytes.size(); ++split) {
    RelayRun run = Relay(bytes, false, split);
    ASSERT_TRUE(run.feed.ok()) << split;
    EXPECT_EQ(run.events, whole.events) << split;
    EXPECT_EQ(run.text, "Hello") << split;
    EXPECT_EQ(run.usage, whole.usage) << split;
  }
}

TEST(ChatStreamRelayTest, StopsWhenTheClientIsGone) {
  int delivered = 0;
  ChatStreamRelay relay({}, [&](std::string_view, RelayEventKind) { return ++delivered < 2; });
  absl::Status st = relay.Feed(Sse({Chunk("a"), Chunk("b"), Chunk("c")}));
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(delivered, 2);
}

TEST(ChatStreamRelayTest, WithoutATextCallbackUsageIsStillFound) {
  std::vector<std::string> out;
  ChatStreamRelay relay({}, [&](std::string_view d, RelayEventKind) {
    out.emplace_back(d);
    return true;
  });
  ASSERT_TRUE(relay.Feed(Sse({Chunk("a", "null"), UsageOnlyChunk(7, 1), "[DONE]"})).ok());
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(*relay.usage(), (TokenUsage{7, 1, 8}));
  EXPECT_TRUE(relay.done());
}

TEST(ChatStreamRelayTest, AnOversizedLineIsDataLoss) {
  ChatStreamRelay relay(Options(false, 64), [](std::string_view, RelayEventKind) { return true; });
  EXPECT_EQ(relay.Feed("data: " + std::string(100, 'x')).code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace nexus::gateway
