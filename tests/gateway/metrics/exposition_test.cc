#include "gateway/metrics/exposition.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace nexus::gateway::metrics {
namespace {

std::string Value(double v) {
  std::string out;
  AppendValue(v, &out);
  return out;
}

TEST(ExpositionTest, EscapesLabelValues) {
  std::string out;
  AppendEscapedLabelValue("a\"b\\c\nd\te", &out);
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\te");
}

TEST(ExpositionTest, ReplacesInvalidUtf8InLabelValues) {
  const std::string kReplacement = "\xEF\xBF\xBD";
  std::string out;
  // Valid 2-, 3- and 4-byte sequences pass through.
  const std::string valid =
      "\xC3\xA9"
      "\xE2\x82\xAC"
      "\xF0\x9F\x98\x80";
  AppendEscapedLabelValue(valid, &out);
  EXPECT_EQ(out, valid);
  out.clear();
  // A stray continuation byte, then a sequence cut short.
  AppendEscapedLabelValue(
      "a\x80"
      "b\xE2\x82",
      &out);
  EXPECT_EQ(out, "a" + kReplacement + "b" + kReplacement + kReplacement);
  out.clear();
  // An overlong "/" and a UTF-16 surrogate.
  AppendEscapedLabelValue(
      "\xC0\xAF"
      "\xED\xA0\x80",
      &out);
  std::string five;
  for (int i = 0; i < 5; ++i) five += kReplacement;
  EXPECT_EQ(out, five);
}

TEST(ExpositionTest, EscapesHelpWithoutTouchingQuotes) {
  std::string out;
  AppendEscapedHelp("say \"hi\"\\\nbye", &out);
  EXPECT_EQ(out, "say \"hi\"\\\\\\nbye");
}

TEST(ExpositionTest, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(Value(0), "0");
  EXPECT_EQ(Value(1), "1");
  EXPECT_EQ(Value(0.25), "0.25");
  EXPECT_EQ(Value(-3.5), "-3.5");
  EXPECT_EQ(Value(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(Value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(ExpositionTest, ValidatesNames) {
  EXPECT_TRUE(IsValidMetricName("nexus_requests_total"));
  EXPECT_TRUE(IsValidMetricName("ns:sub_metric"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("with-dash"));
  EXPECT_FALSE(IsValidMetricName("with space"));
  EXPECT_TRUE(IsValidLabelName("model"));
  EXPECT_TRUE(IsValidLabelName("_x1"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("le"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("9a"));
  EXPECT_FALSE(IsValidLabelName(""));
}

}  // namespace
}  // namespace nexus::gateway::metrics
