#include "gateway/upstream/sse_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace nexus::gateway {
namespace {

using ::testing::ElementsAre;

struct Seen {
  std::string type;
  std::string data;
  std::string id;
  friend bool operator==(const Seen&, const Seen&) = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{type=" << s.type << " data=" << s.data << " id=" << s.id << "}";
}

class Collector {
 public:
  SseParser::EventCallback Callback() {
    return [this](const SseEvent& e) {
      events.push_back(Seen{std::string(e.type), std::string(e.data), std::string(e.id)});
      return true;
    };
  }
  std::vector<Seen> events;
};

std::vector<Seen> ParseWhole(std::string_view text) {
  Collector c;
  SseParser parser(c.Callback());
  EXPECT_TRUE(parser.Feed(text).ok());
  return c.events;
}

// A stream exercising every line ending, comments, multi-line data, fields without a value,
// a missing space after the colon, an event type and ids.
constexpr std::string_view kMixedStream =
    "\xEF\xBB\xBF: comment first\r\n"
    "data: one\r\n\r\n"
    "event: update\n"
    "id: 7\n"
    "data: first line\n"
    "data:second line\n"
    "data:  two spaces\n\n"
    "data: cr only\r\r"
    ":keep-alive\n\n"
    "event: orphan\n\n"
    "data\n\n"
    "retry: 100\n"
    "unknown: x\n"
    "data: last\r\n\r\n";

TEST(SseParserTest, ParsesTheEventStreamGrammar) {
  EXPECT_THAT(
      ParseWhole(kMixedStream),
      ElementsAre(Seen{"", "one", ""}, Seen{"update", "first line\nsecond line\n two spaces", "7"},
                  Seen{"", "cr only", "7"}, Seen{"", "", "7"}, Seen{"", "last", "7"}));
}

TEST(SseParserTest, SameEventsForEverySplitPosition) {
  const std::vector<Seen> whole = ParseWhole(kMixedStream);
  for (size_t cut = 0; cut <= kMixedStream.size(); ++cut) {
    Collector c;
    SseParser parser(c.Callback());
    ASSERT_TRUE(parser.Feed(kMixedStream.substr(0, cut)).ok());
    ASSERT_TRUE(parser.Feed(kMixedStream.substr(cut)).ok());
    EXPECT_EQ(c.events, whole) << "split at " << cut;
  }
  for (size_t a = 0; a <= kMixedStream.size(); a += 3) {
    for (size_t b = a; b <= kMixedStream.size(); b += 5) {
      Collector c;
      SseParser parser(c.Callback());
      ASSERT_TRUE(parser.Feed(kMixedStream.substr(0, a)).ok());
      ASSERT_TRUE(parser.Feed(kMixedStream.substr(a, b - a)).ok());
      ASSERT_TRUE(parser.Feed(kMixedStream.substr(b)).ok());
      EXPECT_EQ(c.events, whole) << "splits at " << a << " and " << b;
    }
  }
}

TEST(SseParserTest, ByteByByteFeedingMatches) {
  Collector c;
  SseParser parser(c.Callback());
  for (char ch : kMixedStream) ASSERT_TRUE(parser.Feed(std::string_view(&ch, 1)).ok());
  EXPECT_EQ(c.events, ParseWhole(kMixedStream));
}

TEST(SseParserTest, CrThenLfInNextChunkIsOneLineEnd) {
  Collector c;
  SseParser parser(c.Callback());
  ASSERT_TRUE(parser.Feed("data: a\r").ok());
  ASSERT_TRUE(parser.Feed("\ndata: b\r").ok());
  ASSERT_TRUE(parser.Feed("\n\r").ok());
  ASSERT_TRUE(parser.Feed("\n").ok());
  EXPECT_THAT(c.events, ElementsAre(Seen{"", "a\nb", ""}));
}

TEST(SseParserTest, PartialEventAtEndIsReportedNotDispatched) {
  Collector c;
  SseParser parser(c.Callback());
  ASSERT_TRUE(parser.Feed("data: complete\n\ndata: cut").ok());
  EXPECT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(parser.has_partial_event());
  ASSERT_TRUE(parser.Feed(" off\n\n").ok());
  EXPECT_FALSE(parser.has_partial_event());
  EXPECT_EQ(c.events.back().data, "cut off");
  EXPECT_EQ(parser.events_dispatched(), 2u);
}

TEST(SseParserTest, OverlongLineIsAnErrorEvenWhenSplit) {
  Collector c;
  SseParser parser(c.Callback(), SseParserLimits{.max_line_bytes = 16, .max_event_bytes = 64});
  ASSERT_TRUE(parser.Feed("data: 0123456789").ok());  // 16 bytes: at the limit
  absl::Status st = parser.Feed("x");
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  // Sticky: later input is refused.
  EXPECT_EQ(parser.Feed("\n\n").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(c.events.empty());

  SseParser whole(c.Callback(), SseParserLimits{.max_line_bytes = 16, .max_event_bytes = 64});
  EXPECT_EQ(whole.Feed("data: 0123456789abc\n\n").code(), absl::StatusCode::kResourceExhausted);
}

TEST(SseParserTest, OversizedEventIsAnError) {
  Collector c;
  SseParser parser(c.Callback(), SseParserLimits{.max_line_bytes = 16, .max_event_bytes = 20});
  std::string many;
  for (int i = 0; i < 5; ++i) many += "data: 0123456\n";
  EXPECT_EQ(parser.Feed(many).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(c.events.empty());
}

TEST(SseParserTest, CallbackCanStopTheParser) {
  int calls = 0;
  SseParser parser([&](const SseEvent&) { return ++calls < 2; });
  absl::Status st = parser.Feed("data: 1\n\ndata: 2\n\ndata: 3\n\n");
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(parser.Feed("data: 4\n\n").code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 2);
}

TEST(SseParserTest, EmptyInputAndBlankLinesDispatchNothing) {
  EXPECT_TRUE(ParseWhole("").empty());
  EXPECT_TRUE(ParseWhole("\n\n\r\n\r\r").empty());
  EXPECT_TRUE(ParseWhole("event: x\n\nid: 3\n\n").empty());
}

// Random streams (grammar-shaped and raw bytes) give the same events however they are split.
TEST(SseParserTest, RandomStreamsAreSplitInvariant) {
  std::mt19937 rng(20241126);
  const std::vector<std::string> pieces = {"data",
                                           "data:",
                                           "data: ",
                                           "event:",
                                           "id: ",
                                           ":",
                                           " ",
                                           "x",
                                           "{\"a\":1}",
                                           "\r",
                                           "\n",
                                           "\r\n",
                                           "\xEF\xBB\xBF",
                                           std::string(1, '\0'),
                                           "retry: 5",
                                           "é"};
  for (int round = 0; round < 300; ++round) {
    std::string stream;
    const int n = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int i = 0; i < n; ++i) {
      if (round % 3 == 0) {
        stream.push_back(static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)));
      } else {
        stream += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
      }
    }
    const std::vector<Seen> whole = ParseWhole(stream);
    Collector c;
    SseParser parser(c.Callback());
    for (size_t pos = 0; pos < stream.size();) {
      size_t len = std::uniform_int_distribution<size_t>(1, 7)(rng);
      ASSERT_TRUE(parser.Feed(std::string_view(stream).substr(pos, len)).ok());
      pos += len;
    }
    EXPECT_EQ(c.events, whole) << "round " << round;
  }
}

}  // namespace
}  // namespace nexus::gateway
