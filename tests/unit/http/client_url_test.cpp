#include <gtest/gtest.h>

#include "rewind/http/url.hpp"

namespace rwd::http {
namespace {

TEST(PercentEncode, KeepsUnreservedOnly) {
  EXPECT_EQ(percent_encode("abcXYZ019-._~"), "abcXYZ019-._~");
  EXPECT_EQ(percent_encode("a b/c:d"), "a%20b%2Fc%3Ad");
  EXPECT_EQ(percent_encode("{\"label\":[\"a=b\"]}"), "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
  EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");
}

TEST(PercentEncode, PathKeepsSlashColonAt) {
  EXPECT_EQ(percent_encode_path("registry.local:5000/shop/api:v1"),
            "registry.local:5000/shop/api:v1");
  EXPECT_EQ(percent_encode_path("img@sha256:ab"), "img@sha256:ab");
  EXPECT_EQ(percent_encode_path("a b?c#d"), "a%20b%3Fc%23d");
}

TEST(QueryString, JoinsAndEncodes) {
  EXPECT_EQ(query_string({}), "");
  EXPECT_EQ(query_string({{"all", "true"}, {"name", "x y"}}), "?all=true&name=x%20y");
}

TEST(PercentDecode, RoundTripsAndRejectsMalformed) {
  std::string out;
  ASSERT_TRUE(percent_decode(percent_encode("a b/{}\xff"), out));
  EXPECT_EQ(out, "a b/{}\xff");
  EXPECT_FALSE(percent_decode("%", out));
  EXPECT_FALSE(percent_decode("%4", out));
  EXPECT_FALSE(percent_decode("%zz", out));
  EXPECT_TRUE(percent_decode("%41", out));
  EXPECT_EQ(out, "A");
}

}  // namespace
}  // namespace rwd::http

namespace rwd::http {
namespace {

TEST(SplitCredentials, TakesTheUserinfoOutAndDecodesIt) {
  auto s = split_credentials("https://u:p%40ss@hooks.example:8443/a/b?x=1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->url, "https://hooks.example:8443/a/b?x=1");
  EXPECT_EQ(s->userinfo, "u:p@ss");
  s = split_credentials("http://host/path@not-userinfo");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->url, "http://host/path@not-userinfo");
  EXPECT_FALSE(s->userinfo);
  s = split_credentials("not a url");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->url, "not a url");
  EXPECT_FALSE(split_credentials("http://u:%zz@host/"));
}

}  // namespace
}  // namespace rwd::http
