#include "gateway/pipeline/chat_attempt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nexus::gateway {
namespace {

using ::testing::ElementsAre;

// Records what reaches the client as writes: an event outside a batch is a write of its own; the
// events (and [DONE]) of a batch are one write at EndBatch, as HttpChatSink sends them.
class RecordingSink : public ChatResponseSink {
 public:
  void SendJson(int http_status, std::string_view body, const HeaderList&) override {
    writes.push_back("json " + std::to_string(http_status) + " " + std::string(body));
  }
  bool StartStream(const HeaderList&) override {
    started = true;
    return !gone;
  }
  bool SendEvent(std::string_view data) override {
    if (gone) return false;
    Queue(std::string(data));
    return true;
  }
  void EndStream() override {
    if (ended) return;
    ended = true;
    Queue("[DONE]");
  }
  bool ClientGone() override { return gone; }
  void BeginBatch() override {
    EXPECT_FALSE(batching) << "batches do not nest";
    batching = true;
  }
  bool EndBatch() override {
    EXPECT_TRUE(batching);
    batching = false;
    Write();
    return !gone;
  }

  std::vector<std::string> writes;  // each write: its pieces joined with "|"
  bool started = false;
  bool ended = false;
  bool gone = false;

 private:
  void Queue(std::string piece) {
    pending_.push_back(std::move(piece));
    if (!batching) Write();
  }
  void Write() {
    if (pending_.empty() || gone) {
      pending_.clear();
      return;
    }
    std::string joined;
    for (const std::string& p : pending_) joined += (joined.empty() ? "" : "|") + p;
    writes.push_back(joined);
    pending_.clear();
  }

  bool batching = false;
  std::vector<std::string> pending_;
};

std::string Event(std::string_view content) {
  return R"({"choices":[{"index":0,"delta":{"content":")" + std::string(content) +
         R"("},"finish_reason":null}]})";
}

std::string Sse(std::string_view data) { return "data: " + std::string(data) + "\n\n"; }

struct Fixture {
  RecordingSink sink;
  // As in the pipeline: completion text is counted, so every chunk is parsed.
  CompletionCounter completion{nullptr, "m", ""};
  ChatAttempt attempt{sink,        /*stream=*/true, /*client_wants_usage=*/false,
                      &completion, AttemptLimits{}, [] { return HeaderList{}; },
                      nullptr};
  Fixture() { EXPECT_TRUE(attempt.OnResponseStart(200, {})); }
};

TEST(ChatAttemptTest, EventsOfOneBodyPieceLeaveInOneWrite) {
  Fixture f;
  ASSERT_TRUE(f.attempt.OnBodyData(Sse(Event("a")) + Sse(Event("b"))));
  ASSERT_TRUE(f.attempt.OnBodyData(Sse(Event("c")) + "data: {\"cho"));
  ASSERT_TRUE(f.attempt.OnBodyData("ices\":[]}\n\n" + Sse("[DONE]")));
  EXPECT_THAT(f.sink.writes,
              ElementsAre(Event("a") + "|" + Event("b"), Event("c"), "{\"choices\":[]}|[DONE]"));
  EXPECT_TRUE(f.attempt.client_started());
  EXPECT_TRUE(f.attempt.stream_done());
  EXPECT_TRUE(f.attempt.StreamEnd().ok());
}

TEST(ChatAttemptTest, BracketedReadsLeaveInOneWritePerRead) {
  Fixture f;
  f.attempt.BeginBodyReads();
  // One read holding three chunks of a chunked body: three OnBodyData calls, one write.
  ASSERT_TRUE(f.attempt.OnBodyData(Sse(Event("a"))));
  ASSERT_TRUE(f.attempt.OnBodyData(Sse(Event("b"))));
  ASSERT_TRUE(f.attempt.OnBodyData("data: {\"choices\""));
  EXPECT_TRUE(f.sink.writes.empty());
  ASSERT_TRUE(f.attempt.EndBodyRead());
  EXPECT_THAT(f.sink.writes, ElementsAre(Event("a") + "|" + Event("b")));
  // A read that completes no event writes nothing.
  ASSERT_TRUE(f.attempt.EndBodyRead());
  EXPECT_EQ(f.sink.writes.size(), 1u);
  // [DONE] goes out with the last events at once, without waiting for the read's end.
  ASSERT_TRUE(f.attempt.OnBodyData(":[]}\n\n"));
  ASSERT_TRUE(f.attempt.OnBodyData(Sse("[DONE]")));
  EXPECT_THAT(f.sink.writes, ElementsAre(Event("a") + "|" + Event("b"), "{\"choices\":[]}|[DONE]"));
  ASSERT_TRUE(f.attempt.EndBodyRead());
  EXPECT_EQ(f.sink.writes.size(), 2u);
}

TEST(ChatAttemptTest, ClientGoneAtTheWriteStopsTheCall) {
  Fixture f;
  f.attempt.BeginBodyReads();
  ASSERT_TRUE(f.attempt.OnBodyData(Sse(Event("a"))));
  f.sink.gone = true;  // the client went away before the read's events were written
  EXPECT_FALSE(f.attempt.EndBodyRead());
  EXPECT_TRUE(f.attempt.client_refused());
  EXPECT_FALSE(f.attempt.OnBodyData(Sse(Event("b"))));
}

TEST(ChatAttemptTest, ClientGoneWithoutBracketsStopsAtTheFirstPiece) {
  Fixture f;
  ASSERT_TRUE(f.attempt.OnBodyData(Sse(Event("a"))));
  f.sink.gone = true;
  EXPECT_FALSE(f.attempt.OnBodyData(Sse(Event("b"))));
  EXPECT_TRUE(f.attempt.client_refused());
  EXPECT_FALSE(f.sink.ended);
}

TEST(ChatAttemptTest, MalformedEventWritesTheEventsBeforeItAndStops) {
  Fixture f;
  f.attempt.BeginBodyReads();
  EXPECT_FALSE(f.attempt.OnBodyData(Sse(Event("a")) + Sse("{not json")));
  EXPECT_THAT(f.sink.writes, ElementsAre(Event("a")));
  EXPECT_FALSE(f.attempt.StreamEnd().ok());
  EXPECT_FALSE(f.sink.ended);
}

TEST(ChatAttemptTest, ErrorEventEndsWithoutDone) {
  Fixture f;
  ASSERT_TRUE(f.attempt.OnBodyData(
      Sse(Event("a")) + Sse(R"({"error":{"message":"overloaded","type":"x"}})") + Sse("[DONE]")));
  ASSERT_EQ(f.sink.writes.size(), 1u);
  EXPECT_THAT(f.sink.writes[0], ::testing::HasSubstr("overloaded"));
  EXPECT_THAT(f.sink.writes[0], ::testing::Not(::testing::HasSubstr("[DONE]")));
  EXPECT_TRUE(f.attempt.stream_error_event());
  EXPECT_FALSE(f.sink.ended);
}

TEST(ChatAttemptTest, BatchLeftOpenIsWrittenWhenTheAttemptEnds) {
  RecordingSink sink;
  {
    ChatAttempt attempt(
        sink, true, false, nullptr, AttemptLimits{}, [] { return HeaderList{}; }, nullptr);
    ASSERT_TRUE(attempt.OnResponseStart(200, {}));
    attempt.BeginBodyReads();
    ASSERT_TRUE(attempt.OnBodyData(Sse(Event("a"))));
    EXPECT_TRUE(sink.writes.empty());
  }
  EXPECT_THAT(sink.writes, ElementsAre(Event("a")));
}

TEST(ChatAttemptTest, JsonAnswersAreCollectedNotRelayed) {
  RecordingSink sink;
  ChatAttempt attempt(
      sink, /*stream=*/false, false, nullptr, AttemptLimits{}, [] { return HeaderList{}; },
      nullptr);
  ASSERT_TRUE(attempt.OnResponseStart(200, {}));
  attempt.BeginBodyReads();
  ASSERT_TRUE(attempt.OnBodyData("{\"a\":"));
  ASSERT_TRUE(attempt.EndBodyRead());
  ASSERT_TRUE(attempt.OnBodyData("1}"));
  EXPECT_EQ(attempt.body(), "{\"a\":1}");
  EXPECT_TRUE(sink.writes.empty());
  EXPECT_FALSE(sink.started);
}

}  // namespace
}  // namespace nexus::gateway
