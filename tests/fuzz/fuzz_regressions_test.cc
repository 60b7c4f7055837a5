// What the fuzz targets found, as plain unit tests against the owning code (the crashing inputs
// themselves are replayed from regressions/<target>/ by fuzz_replay_test).

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gateway/admin/admin_query.h"
#include "gateway/pipeline/chat_request_decoder.h"
#include "gateway/upstream/chat_body.h"
#include "gateway/upstream/chat_stream_relay.h"

namespace nexus::gateway {
namespace {

// sse_stream: a count far outside int64 ("prompt_tokens": 1e30) was converted from double as is
// (undefined behaviour); it saturates now.
TEST(FuzzRegressionTest, HugeFloatUsageCountSaturates) {
  absl::StatusOr<std::optional<TokenUsage>> usage =
      ExtractJsonUsage(R"({"usage":{"prompt_tokens":1e30,"completion_tokens":-1e30}})");
  ASSERT_TRUE(usage.ok());
  ASSERT_TRUE(usage->has_value());
  EXPECT_EQ((*usage)->prompt_tokens, std::numeric_limits<int64_t>::max());
  // The input the fuzzer found: a huge number, then garbage.
  EXPECT_EQ(ExtractJsonUsage("2222222222222222222222222222{\"il\": \"x ").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Found beside it: the total derived from two huge counts overflowed int64.
TEST(FuzzRegressionTest, DerivedTotalSaturates) {
  absl::StatusOr<std::optional<TokenUsage>> usage =
      ExtractJsonUsage(R"({"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":1}})");
  ASSERT_TRUE(usage.ok());
  ASSERT_TRUE(usage->has_value());
  EXPECT_EQ((*usage)->total_tokens, std::numeric_limits<int64_t>::max());
}

TEST(FuzzRegressionTest, HugeFloatUsageInAStreamSaturates) {
  ChatStreamRelay relay({}, [](std::string_view, RelayEventKind) { return true; });
  ASSERT_TRUE(relay
                  .Feed("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
                        "\"completion_tokens\":2.5e40}}\n\ndata: [DONE]\n\n")
                  .ok());
  ASSERT_TRUE(relay.usage().has_value());
  EXPECT_EQ(relay.usage()->completion_tokens, std::numeric_limits<int64_t>::max());
}

admin::QueryParams Query(std::initializer_list<std::pair<const std::string, std::string>> items) {
  return admin::QueryParams(items);
}

// admin_json: ?end=0 passed the range check before the start was clamped to 0, giving the empty
// range [0, 0).
TEST(FuzzRegressionTest, EndAtZeroIsAnEmptyRangeAndRefused) {
  nexus::stats::v1::Filter filter;
  EXPECT_EQ(admin::ParseFilter(Query({{"end", "000"}}), 1'780'000'000'000, absl::Hours(24), filter)
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// admin_json: "infinite-past" (which absl::ParseTime accepts) made end - default range overflow
// int64; times before 1970 and "infinite-future" are refused like negative milliseconds.
TEST(FuzzRegressionTest, InfiniteAndPre1970TimesAreRefused) {
  const int64_t now = 1'780'000'000'000;
  nexus::stats::v1::Filter filter;
  EXPECT_FALSE(
      admin::ParseFilter(Query({{"end", "infinite-past"}}), now, absl::Hours(24), filter).ok());
  EXPECT_FALSE(admin::ParseTimeMs("end", "infinite-future").ok());
  EXPECT_FALSE(admin::ParseTimeMs("start", "1969-12-31T23:59:59Z").ok());
  EXPECT_EQ(*admin::ParseTimeMs("start", "1970-01-01T00:00:01Z"), 1000);
}

// chat_request_decoder: a valid body followed by NUL bytes was decoded (nlohmann's lexer stops at
// a NUL) while the body rewrite refused it; every decoder refuses raw NUL bytes now.
TEST(FuzzRegressionTest, TrailingNulBytesAreInvalidJson) {
  const std::string body =
      std::string(R"({"model":"m","messages":[{"role":"user","content":"x"}]})") +
      std::string(16, '\0');
  RequestDecoder decoder(1 << 20);
  absl::StatusOr<DecodedChatRequest> chat = decoder.DecodeChat(body, ChatDialect::kOpenAi);
  EXPECT_EQ(chat.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(PrepareChatRequestBody(body, ChatBodyOptions{}).ok());
}

}  // namespace
}  // namespace nexus::gateway
