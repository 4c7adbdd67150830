// Text format helpers: escaping, number formatting, name rules.

#include <limits>

#include <gtest/gtest.h>

#include "rewind/runtime/metrics.hpp"

namespace rwd::runtime {
namespace {

TEST(MetricsFormat, EscapeLabelValue) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
  EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
  EXPECT_EQ(escape_label_value("tab\tstays"), "tab\tstays");
  EXPECT_EQ(escape_label_value("caf\xC3\xA9"), "caf\xC3\xA9");            // valid UTF-8 kept
  EXPECT_EQ(escape_label_value("x\xFFy"), "x\xEF\xBF\xBDy");              // invalid byte
  EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(escape_label_value("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
}

TEST(MetricsFormat, EscapeHelpKeepsQuotes) {
  EXPECT_EQ(escape_help("say \"hi\"\\\n"), "say \"hi\"\\\\\\n");
}

TEST(MetricsFormat, FormatValue) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(-0.0), "0");
  EXPECT_EQ(format_value(300), "300");
  EXPECT_EQ(format_value(1e6), "1000000");
  EXPECT_EQ(format_value(-42), "-42");
  EXPECT_EQ(format_value(0.05), "0.05");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(1e-9), "1e-09");
  EXPECT_EQ(format_value(1e300), "1e+300");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsFormat, Names) {
  EXPECT_TRUE(is_valid_metric_name("rewind_reconciles_total"));
  EXPECT_TRUE(is_valid_metric_name("ns:sub_metric"));
  EXPECT_TRUE(is_valid_metric_name("_x"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("9x"));
  EXPECT_FALSE(is_valid_metric_name("a.b"));
  EXPECT_TRUE(is_valid_label_name("step"));
  EXPECT_TRUE(is_valid_label_name("_x1"));
  EXPECT_FALSE(is_valid_label_name("__name__"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("1a"));
  EXPECT_FALSE(is_valid_label_name(""));
}

}  // namespace
}  // namespace rwd::runtime
