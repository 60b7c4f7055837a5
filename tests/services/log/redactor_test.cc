#include "services/log/redactor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nexus::log {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactorTest, MasksRegisteredSecrets) {
  Redactor redactor;
  redactor.AddSecret("master-key-0123456789");
  EXPECT_EQ(redactor.Redact("key is master-key-0123456789!"), "key is [REDACTED]!");
}

TEST(RedactorTest, MasksCredentialShapedText) {
  Redactor redactor;
  std::string out = redactor.Redact(
      "Authorization: Bearer abcdefghijkl upstream sk-live-XYZ1234567890 "
      "client nx-0123456789abcdef url https://h/v1?api_key=topsecret123");
  EXPECT_THAT(out, Not(HasSubstr("abcdefghijkl")));
  EXPECT_THAT(out, Not(HasSubstr("XYZ1234567890")));
  EXPECT_THAT(out, Not(HasSubstr("0123456789abcdef")));
  EXPECT_THAT(out, Not(HasSubstr("topsecret123")));
  EXPECT_THAT(out, HasSubstr("Authorization: Bearer [REDACTED]"));
}

TEST(RedactorTest, LeavesOrdinaryTextAlone) {
  Redactor redactor;
  redactor.AddSecret("short");  // Too short to register.
  EXPECT_EQ(redactor.Redact("a short task-list for desk-top use"),
            "a short task-list for desk-top use");
}

TEST(MaskSecretTest, ShowsPrefixAndLastFour) {
  EXPECT_EQ(MaskSecret("sk-live-XYZ1234567890"), "sk-...7890");
  EXPECT_EQ(MaskSecret("abc"), "****");
}

}  // namespace
}  // namespace nexus::log
