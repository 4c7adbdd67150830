#include "rewind/model/time.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace rwd::model {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST(ParseDurationTest, Valid) {
  struct Case {
    const char* text;
    milliseconds want;
  };
  const Case cases[] = {
      {"0", 0ms},
      {"0s", 0ms},
      {"0ms", 0ms},
      {"250ms", 250ms},
      {"90s", 90s},
      {"1.5s", 1500ms},
      {"0.001s", 1ms},
      {".5s", 500ms},
      {"5.s", 5s},
      {"1.500000000000000000s", 1500ms},
      {"5m", 5min},
      {"1h30m", 90min},
      {"1h30m15s250ms", 1h + 30min + 15s + 250ms},
      {"30m1h", 90min},
      {"1.5h", 90min},
      {"2d", 48h},
      {"0.5d", 12h},
      {"24h", 24h},
      {"87600h", 87600h},
  };
  for (const auto& c : cases) {
    const auto got = parse_duration(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParseDurationTest, Invalid) {
  for (const char* text : {"",
                           " ",
                           "1",
                           "10",
                           "00",
                           "s",
                           "ms",
                           "1x",
                           "1us",
                           "1ns",
                           "-1s",
                           "+1s",
                           "1 s",
                           " 1s",
                           "1s ",
                           "1h 30m",
                           "1.5ms",
                           "0.0001s",
                           "1e3s",
                           "1,5s",
                           ".s",
                           "1..5s",
                           "1hh",
                           "1S",
                           "1H",
                           "100000000000000000000h",
                           "87659h",
                           "3653d",
                           "315569521s",
                           "99999999999999999999ms",
                           "1.00000000000000000001s"}) {
    EXPECT_FALSE(parse_duration(text).has_value()) << '"' << text << '"';
  }
}

TEST(ParseDurationTest, TenYearsIsTheLimit) {
  const auto ten_years = std::chrono::duration_cast<milliseconds>(std::chrono::years(10));
  const auto at_limit = parse_duration(std::to_string(ten_years.count()) + "ms");
  ASSERT_TRUE(at_limit.has_value());
  EXPECT_EQ(*at_limit, ten_years);
  EXPECT_FALSE(parse_duration(std::to_string(ten_years.count() + 1) + "ms").has_value());
}

TEST(FormatDurationTest, CanonicalForms) {
  struct Case {
    milliseconds d;
    const char* want;
  };
  const Case cases[] = {
      {0ms, "0s"},
      {90ms, "90ms"},
      {1ms, "1ms"},
      {1s, "1s"},
      {1500ms, "1.5s"},
      {1050ms, "1.05s"},
      {1001ms, "1.001s"},
      {90s, "1m30s"},
      {5min, "5m"},
      {90min, "1h30m"},
      {48h, "48h"},
      {1h + 500ms, "1h500ms"},
      {1h + 1s + 1ms, "1h1.001s"},
      {-90s, "-1m30s"},
  };
  for (const auto& c : cases) EXPECT_EQ(format_duration(c.d), c.want) << c.d.count();
}

TEST(FormatDurationTest, RoundTrips) {
  for (const milliseconds d :
       {0ms, 1ms, 999ms, 1000ms, 59999ms, 3600001ms, milliseconds(123456789), 86400000ms}) {
    const auto back = parse_duration(format_duration(d));
    ASSERT_TRUE(back.has_value()) << format_duration(d);
    EXPECT_EQ(*back, d) << format_duration(d);
  }
}

Timestamp at(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  const std::chrono::sys_days days{std::chrono::year{y} / std::chrono::month{mo} /
                                   std::chrono::day{d}};
  return Timestamp{days} + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s) + milliseconds(ms);
}

TEST(ParseTimestampTest, Valid) {
  struct Case {
    const char* text;
    Timestamp want;
  };
  const Case cases[] = {
      {"2026-11-21T07:38:26Z", at(2026, 11, 21, 7, 38, 26)},
      {"2026-11-21T07:38:26.120Z", at(2026, 11, 21, 7, 38, 26, 120)},
      {"2026-11-21T07:38:26.1Z", at(2026, 11, 21, 7, 38, 26, 100)},
      {"2026-11-21T07:38:26.123456789Z", at(2026, 11, 21, 7, 38, 26, 123)},  // kept to ms
      {"2026-11-21T09:38:26+02:00", at(2026, 11, 21, 7, 38, 26)},
      {"2026-11-21T02:08:26-05:30", at(2026, 11, 21, 7, 38, 26)},
      {"2026-11-21T00:30:00+01:00", at(2026, 11, 20, 23, 30, 0)},
      {"2026-11-21t07:38:26z", at(2026, 11, 21, 7, 38, 26)},
      {"2024-02-29T00:00:00Z", at(2024, 2, 29, 0, 0, 0)},
      {"2000-02-29T23:59:59.999Z", at(2000, 2, 29, 23, 59, 59, 999)},
      {"1970-01-01T00:00:00Z", Timestamp{}},
      {"1969-12-31T23:59:59.500Z", Timestamp{milliseconds(-500)}},
  };
  for (const auto& c : cases) {
    const auto got = parse_timestamp(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParseTimestampTest, Invalid) {
  for (const char* text : {"",
                           "2026-11-21",
                           "2026-11-21T07:38:26",
                           "2026-11-21 07:38:26Z",
                           "2026-02-30T00:00:00Z",
                           "2025-02-29T00:00:00Z",
                           "1900-02-29T00:00:00Z",
                           "2026-13-01T00:00:00Z",
                           "2026-00-01T00:00:00Z",
                           "2026-04-31T00:00:00Z",
                           "2026-11-00T00:00:00Z",
                           "2026-11-21T24:00:00Z",
                           "2026-11-21T23:60:00Z",
                           "2026-11-21T23:59:60Z",
                           "2026-11-21T07:38:26.Z",
                           "2026-11-21T07:38:26.1234567890Z",
                           "2026-11-21T07:38:26+2:00",
                           "2026-11-21T07:38:26+02",
                           "2026-11-21T07:38:26+24:00",
                           "2026-11-21T07:38:26+02:60",
                           "2026-11-21T07:38:26Z ",
                           " 2026-11-21T07:38:26Z",
                           "26-11-21T07:38:26Z",
                           "2026/11/21T07:38:26Z",
                           "2026-11-21T07:38:26ZZ",
                           "２026-11-21T07:38:26Z"}) {
    EXPECT_FALSE(parse_timestamp(text).has_value()) << text;
  }
}

TEST(FormatTimestampTest, UtcWithMillisecondsOnlyWhenSet) {
  EXPECT_EQ(format_timestamp(at(2026, 11, 21, 7, 38, 26)), "2026-11-21T07:38:26Z");
  EXPECT_EQ(format_timestamp(at(2026, 11, 21, 7, 38, 26, 120)), "2026-11-21T07:38:26.120Z");
  EXPECT_EQ(format_timestamp(at(2026, 11, 21, 7, 38, 26, 5)), "2026-11-21T07:38:26.005Z");
  EXPECT_EQ(format_timestamp(Timestamp{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(Timestamp{milliseconds(-1)}), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(at(2024, 2, 29, 23, 59, 59)), "2024-02-29T23:59:59Z");
}

TEST(FormatTimestampTest, RoundTrips) {
  for (const char* text :
       {"2026-11-21T07:38:26Z", "2026-11-21T07:38:26.120Z", "2024-02-29T00:00:00.001Z",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"}) {
    const auto t = parse_timestamp(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(format_timestamp(*t), text);
  }
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-11-21T09:38:26.5+02:00")),
            "2026-11-21T07:38:26.500Z");
}

}  // namespace
}  // namespace rwd::model
