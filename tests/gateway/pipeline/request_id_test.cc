#include "gateway/pipeline/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nexus::gateway {
namespace {

TEST(RequestIdTest, HasThePrefixATimeAndRandomHex) {
  std::string id = NewRequestId(absl::FromUnixMillis(0x0123456789ab));
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id.substr(0, 16), "req_0123456789ab");
  for (char c : id.substr(4)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  EXPECT_TRUE(IsSaneRequestId(id));
}

TEST(RequestIdTest, SortsByTimeAsStrings) {
  // Later milliseconds sort after earlier ones whatever the random part is, including across a
  // change in the number of significant digits.
  std::string earlier = NewRequestId(absl::FromUnixMillis(0xfffff));
  std::string later = NewRequestId(absl::FromUnixMillis(0x100000));
  EXPECT_LT(earlier, later);
  EXPECT_LT(NewRequestId(absl::FromUnixMillis(1764000000000)),
            NewRequestId(absl::FromUnixMillis(1764000000001)));
}

TEST(RequestIdTest, UniqueWithinOneMillisecond) {
  const absl::Time now = absl::FromUnixMillis(1764000000000);
  std::set<std::string> ids;
  for (int i = 0; i < 100000; ++i) ids.insert(NewRequestId(now));
  EXPECT_EQ(ids.size(), 100000u);
}

TEST(RequestIdTest, TimesBeforeTheEpochAreClamped) {
  EXPECT_EQ(NewRequestId(absl::FromUnixMillis(-5)).substr(0, 16), "req_000000000000");
}

TEST(RequestIdTest, DefaultUsesTheCurrentTime) {
  std::string before = NewRequestId(absl::Now() - absl::Seconds(1));
  std::string now = NewRequestId();
  std::string after = NewRequestId(absl::Now() + absl::Seconds(1));
  EXPECT_LT(before, now);
  EXPECT_LT(now, after);
}

}  // namespace
}  // namespace nexus::gateway
