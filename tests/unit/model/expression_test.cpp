#include "rewind/model/expression.hpp"

#include <limits>
#include <optional>

#include <gtest/gtest.h>

namespace rwd::model {
namespace {

TEST(ParseThresholdTest, Valid) {
  struct Case {
    const char* text;
    Threshold want;
  };
  const Case cases[] = {
      {"> 0.05", {Comparator::kGreater, 0.05, false}},
      {">0.05", {Comparator::kGreater, 0.05, false}},
      {">= 3", {Comparator::kGreaterEqual, 3, false}},
      {"< 200", {Comparator::kLess, 200, false}},
      {"<= 200", {Comparator::kLessEqual, 200, false}},
      {"== 0", {Comparator::kEqual, 0, false}},
      {"!= 1", {Comparator::kNotEqual, 1, false}},
      {"> -5", {Comparator::kGreater, -5, false}},
      {"> .5", {Comparator::kGreater, 0.5, false}},
      {"> 5.", {Comparator::kGreater, 5, false}},
      {"> 1e-3", {Comparator::kGreater, 0.001, false}},
      {"> 2.5E+2", {Comparator::kGreater, 250, false}},
      {">= 3x baseline", {Comparator::kGreaterEqual, 3, true}},
      {"> 3 x baseline", {Comparator::kGreater, 3, true}},
      {">3xbaseline", {Comparator::kGreater, 3, true}},
      {"> 1.5x baseline", {Comparator::kGreater, 1.5, true}},
      {"> 1e1x baseline", {Comparator::kGreater, 10, true}},
      {"  >  0.05  ", {Comparator::kGreater, 0.05, false}},
  };
  for (const auto& c : cases) {
    const auto got = parse_threshold(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParseThresholdTest, Invalid) {
  for (const char* text : {"",
                           ">",
                           "0.05",
                           "=> 1",
                           "= 1",
                           "=< 1",
                           ">> 1",
                           "> ",
                           "> abc",
                           "> 0.05 ms",
                           "> 0.05%",
                           "> 1e",
                           "> 1e+",
                           "> e5",
                           "> .",
                           "> -",
                           "> +5",
                           "> nan",
                           "> inf",
                           "> -inf",
                           "> NaN",
                           "> 1e999",
                           "> 3x",
                           "> 3x base",
                           "> 3x baselines",
                           "> 3 baseline",
                           "> 3X baseline",
                           "> 0x10",
                           "> 1 2",
                           "> 1,5",
                           "≥ 1",
                           "> 3x baseline x baseline"}) {
    EXPECT_FALSE(parse_threshold(text).has_value()) << '"' << text << '"';
  }
}

TEST(FormatThresholdTest, CanonicalAndRoundTrips) {
  struct Case {
    Threshold t;
    const char* want;
  };
  const Case cases[] = {
      {{Comparator::kGreater, 0.05, false}, "> 0.05"},
      {{Comparator::kGreaterEqual, 3, true}, ">= 3x baseline"},
      {{Comparator::kLess, 200, false}, "< 200"},
      {{Comparator::kLessEqual, 1.5, true}, "<= 1.5x baseline"},
      {{Comparator::kEqual, 0, false}, "== 0"},
      {{Comparator::kNotEqual, -2.25, false}, "!= -2.25"},
      {{Comparator::kGreater, 1e-7, false}, "> 1e-07"},
      {{Comparator::kGreater, 0.1 + 0.2, false}, "> 0.30000000000000004"},
      {{Comparator::kGreater, 1e21, false}, "> 1e+21"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_threshold(c.t), c.want);
    const auto back = parse_threshold(format_threshold(c.t));
    ASSERT_TRUE(back.has_value()) << c.want;
    EXPECT_EQ(*back, c.t) << c.want;
  }
}

TEST(ThresholdMatchesTest, EachOperator) {
  struct Case {
    Comparator op;
    double value;
    double measured;
    bool want;
  };
  const Case cases[] = {
      {Comparator::kGreater, 0.05, 0.06, true},   {Comparator::kGreater, 0.05, 0.05, false},
      {Comparator::kGreater, 0.05, 0.04, false},  {Comparator::kGreaterEqual, 3, 3, true},
      {Comparator::kGreaterEqual, 3, 2.9, false}, {Comparator::kLess, 200, 199, true},
      {Comparator::kLess, 200, 200, false},       {Comparator::kLessEqual, 200, 200, true},
      {Comparator::kLessEqual, 200, 201, false},  {Comparator::kEqual, 0, 0, true},
      {Comparator::kEqual, 0, 0.0001, false},     {Comparator::kNotEqual, 1, 0, true},
      {Comparator::kNotEqual, 1, 1, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(threshold_matches(Threshold{c.op, c.value, false}, c.measured), c.want)
        << format_threshold(Threshold{c.op, c.value, false}) << " measured " << c.measured;
  }
}

TEST(ThresholdMatchesTest, RelativeToBaseline) {
  const Threshold t = *parse_threshold("> 3x baseline");
  EXPECT_TRUE(threshold_matches(t, 0.31, 0.1));
  EXPECT_FALSE(threshold_matches(t, 0.29, 0.1));
  EXPECT_TRUE(threshold_matches(t, 0.01, 0));  // anything above a zero baseline
  // Without relative_to_baseline the baseline is ignored.
  EXPECT_TRUE(threshold_matches(*parse_threshold("> 3"), 4, 100));
}

TEST(ThresholdMatchesTest, NaNMeasurementsOnlyMatchNotEqual) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(threshold_matches(*parse_threshold("> 0"), nan));
  EXPECT_FALSE(threshold_matches(*parse_threshold("<= 0"), nan));
  EXPECT_TRUE(threshold_matches(*parse_threshold("!= 0"), nan));
}

}  // namespace
}  // namespace rwd::model
