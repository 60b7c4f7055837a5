#include "services/status/status_map.h"

#include <gtest/gtest.h>

namespace nexus::status {
namespace {

TEST(StatusMapTest, RoundTripsEveryCodeThroughGrpc) {
  for (int code = 0; code <= 16; ++code) {
    absl::Status status(static_cast<absl::StatusCode>(code), code == 0 ? "" : "why");
    absl::Status back = FromGrpc(ToGrpc(status));
    EXPECT_EQ(back.code(), status.code()) << code;
    if (code != 0) {
      EXPECT_EQ(back.message(), "why");
    }
  }
}

TEST(StatusMapTest, MapsToHttpAndOpenAiTypes) {
  EXPECT_EQ(ToHttpStatus(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(ToHttpStatus(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(ToHttpStatus(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(ToHttpStatus(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(ToHttpStatus(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(ToHttpStatus(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(ToOpenAiErrorType(absl::StatusCode::kUnauthenticated), "authentication_error");
  EXPECT_EQ(ToOpenAiErrorType(absl::StatusCode::kInvalidArgument), "invalid_request_error");
}

}  // namespace
}  // namespace nexus::status
