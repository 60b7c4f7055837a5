#include "gateway/auth/authorize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ClientKey;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

ClientKey UsableKey() {
  ClientKey key;
  key.set_id(7);
  key.set_enabled(true);
  return key;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(AuthorizeTest, UsableKeyMayUseAnyModelWithoutAllowList) {
  EXPECT_TRUE(Authorize(UsableKey(), "gpt-4o", kNow).ok());
  EXPECT_TRUE(Authorize(UsableKey(), "", kNow).ok());
}

TEST(AuthorizeTest, RevokedKeyIsUnauthenticatedEvenWhenEnabled) {
  ClientKey key = UsableKey();
  key.set_revoked(true);
  const absl::Status status = Authorize(key, "gpt-4o", kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(Message(status), HasSubstr("revoked"));
}

TEST(AuthorizeTest, DisabledKeyIsUnauthenticated) {
  ClientKey key = UsableKey();
  key.set_enabled(false);
  const absl::Status status = Authorize(key, "gpt-4o", kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(Message(status), HasSubstr("disabled"));
}

TEST(AuthorizeTest, ExpiryIsCheckedAgainstTheGivenTime) {
  ClientKey key = UsableKey();
  key.set_expires_at_ms(absl::ToUnixMillis(kNow + absl::Seconds(1)));
  EXPECT_TRUE(Authorize(key, "m", kNow).ok());
  const absl::Status status = Authorize(key, "m", kNow + absl::Seconds(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(Message(status), HasSubstr("expired at 2027-01-15T08:00:01Z"));
}

TEST(AuthorizeTest, ModelOutsideAllowListIsPermissionDenied) {
  ClientKey key = UsableKey();
  key.add_allowed_models("gpt-4o-mini");
  EXPECT_TRUE(Authorize(key, "gpt-4o-mini", kNow).ok());
  const absl::Status status = Authorize(key, "gpt-4o", kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Message(status), HasSubstr("may not use model `gpt-4o`"));
}

TEST(AuthorizeTest, KeyProblemsComeBeforeModelProblems) {
  ClientKey key = UsableKey();
  key.add_allowed_models("a");
  key.set_enabled(false);
  EXPECT_EQ(Authorize(key, "b", kNow).code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace nexus::gateway
