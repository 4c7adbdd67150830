// parse_query_response: every shape /api/v1/query can answer, and junk.

#include <cstdint>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/analysis/prometheus.hpp"

namespace rwd::analysis {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string vector_of(const std::string& series) {
  return R"({"status":"success","data":{"resultType":"vector","result":[)" + series + "]}}";
}

TEST(PrometheusResponse, ReadsAScalar) {
  auto s = parse_query_response(
      R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.123,"0.25"]}})");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(s->value);
  EXPECT_DOUBLE_EQ(*s->value, 0.25);
  EXPECT_EQ(s->detail, "scalar");
}

TEST(PrometheusResponse, ReadsAOneElementVectorAndNamesTheSeries) {
  auto s = parse_query_response(
      vector_of(R"({"metric":{"__name__":"demo_info","version":"v2"},"value":[1700000000,"1"]})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->value, 1.0);
  EXPECT_EQ(s->detail, R"(demo_info{version="v2"})");

  auto aggregated = parse_query_response(vector_of(R"({"metric":{},"value":[1,"1e-05"]})"));
  ASSERT_TRUE(aggregated);
  EXPECT_DOUBLE_EQ(*aggregated->value, 1e-05);
  EXPECT_EQ(aggregated->detail, "{}");

  auto negative = parse_query_response(vector_of(R"({"metric":{},"value":[1,"-3.5"]})"));
  ASSERT_TRUE(negative);
  EXPECT_DOUBLE_EQ(*negative->value, -3.5);
}

TEST(PrometheusResponse, AnEmptyVectorIsInconclusiveNotZero) {
  auto s = parse_query_response(vector_of(""));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->value);
  EXPECT_EQ(s->detail, "empty result");
}

TEST(PrometheusResponse, NaNAndInfinitiesAreInconclusive) {
  for (const char* v : {"NaN", "+Inf", "-Inf"}) {
    auto s =
        parse_query_response(vector_of(std::string(R"({"metric":{},"value":[1,")") + v + "\"]}"));
    ASSERT_TRUE(s) << v << ": " << s.error().message;
    EXPECT_FALSE(s->value) << v;
    EXPECT_THAT(s->detail, HasSubstr(v));
  }
  auto scalar = parse_query_response(
      R"({"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}})");
  ASSERT_TRUE(scalar);
  EXPECT_FALSE(scalar->value);
}

TEST(PrometheusResponse, SeveralSeriesAreAnErrorThatNamesTheCount) {
  auto s = parse_query_response(vector_of(R"({"metric":{"code":"200"},"value":[1,"3"]},)"
                                          R"({"metric":{"code":"500"},"value":[1,"1"]},)"
                                          R"({"metric":{"code":"503"},"value":[1,"1"]})"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, model::ErrorKind::kInvalidSpec);
  EXPECT_THAT(s.error().message, AllOf(HasSubstr("3 series"), HasSubstr("aggregate")));
}

TEST(PrometheusResponse, StatusErrorCarriesTypeAndMessage) {
  auto bad = parse_query_response(
      R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \"}\""})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, model::ErrorKind::kInvalidSpec);
  EXPECT_THAT(bad.error().message, AllOf(HasSubstr("bad_data"), HasSubstr("parse error")));

  auto timeout = parse_query_response(
      R"({"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"})");
  ASSERT_FALSE(timeout);
  EXPECT_EQ(timeout.error().kind, model::ErrorKind::kTransient);
  EXPECT_THAT(timeout.error().message, AllOf(HasSubstr("timeout"), HasSubstr("timed out")));

  auto bare = parse_query_response(R"({"status":"error"})");
  ASSERT_FALSE(bare);
  EXPECT_THAT(bare.error().message, HasSubstr("refused the query"));
}

TEST(PrometheusResponse, NonJsonIsAnErrorWithTheStartOfTheInputOnly) {
  const std::string html = "<html><body>502 Bad Gateway" + std::string(1000, 'x') + "</body>";
  auto s = parse_query_response(html);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, AllOf(HasSubstr("no JSON"), HasSubstr("502 Bad Gateway"),
                                       HasSubstr("..."), Not(HasSubstr("</body>"))));
  EXPECT_LT(s.error().message.size(), 300U);
}

TEST(PrometheusResponse, OtherResultTypesAreRefused) {
  auto matrix =
      parse_query_response(R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  ASSERT_FALSE(matrix);
  EXPECT_THAT(matrix.error().message, HasSubstr("matrix"));
  auto str = parse_query_response(
      R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})");
  ASSERT_FALSE(str);
  EXPECT_THAT(str.error().message, HasSubstr("string"));
}

TEST(PrometheusResponse, MalformedEnvelopesAreErrors) {
  for (const char* text : {
           R"([])",
           R"("success")",
           R"({})",
           R"({"status":"success"})",
           R"({"status":"success","data":[]})",
           R"({"status":"success","data":{"resultType":"vector"}})",
           R"({"status":"success","data":{"resultType":"vector","result":{}}})",
           R"({"status":"success","data":{"resultType":"vector","result":[{}]}})",
           R"({"status":"success","data":{"resultType":"vector","result":[{"value":1}]}})",
           R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}})",
           R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}})",
           R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,""]}]}})",
           R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1 "]}]}})",
           R"({"status":"success","data":{"resultType":"scalar","result":[1]}})",
           R"({"status":"success","data":{"resultType":7,"result":[1,"1"]}})",
           R"({"status":"warning","data":{}})",
           R"({"status":"success","data":{"resultType":"vector","result":[1]}})",
       }) {
    auto s = parse_query_response(text);
    EXPECT_FALSE(s) << text;
  }
}

TEST(PrometheusResponse, DeepNestingIsRefusedWithoutRecursion) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  auto s = parse_query_response(deep);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("nested deeper"));
  // Brackets inside strings do not count.
  auto in_string = parse_query_response(R"({"status":"error","errorType":"bad_data","error":")" +
                                        std::string(100, '[') + "\"}");
  ASSERT_FALSE(in_string);
  EXPECT_THAT(in_string.error().message, HasSubstr("bad_data"));
}

TEST(PrometheusResponse, MessagesStayPrintableAscii) {
  auto s = parse_query_response(std::string("\xff\xfe\x01garbage\xc3", 11));
  ASSERT_FALSE(s);
  for (char c : s.error().message) {
    EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
        << static_cast<int>(static_cast<unsigned char>(c));
  }
}

// Not a fuzzer, but the same promise: whatever the bytes, an answer and no
// exception or crash. Deterministic pseudo-random inputs built from pieces
// of real answers.
TEST(PrometheusResponse, NeverThrowsOnMangledInput) {
  const std::string good = vector_of(R"({"metric":{"a":"b"},"value":[1700000000.5,"0.25"]})");
  std::uint64_t seed = 0x9E3779B97F4A7C15ULL;
  auto next = [&seed] {
    seed ^= seed << 13U;
    seed ^= seed >> 7U;
    seed ^= seed << 17U;
    return seed;
  };
  const std::string alphabet = "{}[]\",:0123456789.eE+-NaInf \\u00ZZ\x80\xff";
  for (int i = 0; i < 5000; ++i) {
    std::string text = good;
    const int edits = 1 + static_cast<int>(next() % 6);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = next() % text.size();
      switch (next() % 3) {
        case 0: text[at] = alphabet[next() % alphabet.size()]; break;
        case 1: text.erase(at, 1 + next() % 8); break;
        default: text.insert(at, 1, alphabet[next() % alphabet.size()]); break;
      }
    }
    EXPECT_NO_THROW({ (void)parse_query_response(text); }) << text;
  }
  for (std::size_t cut = 0; cut <= good.size(); ++cut) {
    EXPECT_NO_THROW({ (void)parse_query_response(std::string_view(good).substr(0, cut)); });
  }
}

}  // namespace
}  // namespace rwd::analysis
