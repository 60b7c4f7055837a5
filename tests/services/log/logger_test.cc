#include "services/log/logger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/capture_sink.h"

namespace nexus::log {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(LoggerTest, WritesRedactedLinesAtOrAboveLevel) {
  auto sink = std::make_shared<testing_support::CaptureSink>();
  auto redactor = std::make_shared<Redactor>();
  redactor->AddSecret("admin-token-abcdefgh");
  Logger logger("registry", Level::kInfo, sink, redactor);
  logger.Debug("hidden");
  logger.Info("token admin-token-abcdefgh accepted");
  std::vector<std::string> lines = sink->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("INFO registry: token [REDACTED] accepted"));
  EXPECT_THAT(lines[0], Not(HasSubstr("abcdefgh")));
}

TEST(LoggerTest, ParsesLevels) {
  Level level;
  EXPECT_TRUE(ParseLevel("warning", &level));
  EXPECT_EQ(level, Level::kWarning);
  EXPECT_FALSE(ParseLevel("loud", &level));
}

}  // namespace
}  // namespace nexus::log
