#include "rewind/model/json_depth.hpp"

#include <string>

#include <gtest/gtest.h>

namespace rwd::model {
namespace {

TEST(JsonDepth, CountsArraysAndObjectsOutsideStrings) {
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_TRUE(json_nesting_exceeds(R"({"a":[1,{"b":2}]})", 2));
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":"[[[[{{{{\"[[["})", 1)) << "brackets in strings";
  EXPECT_TRUE(json_nesting_exceeds(std::string(100000, '['), 64));
  EXPECT_FALSE(json_nesting_exceeds("]]]]}}}", 0)) << "unbalanced closers are the parser's problem";
}

}  // namespace
}  // namespace rwd::model
