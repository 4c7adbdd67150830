#include "rewind/http/base64.hpp"

#include <gtest/gtest.h>

namespace rwd::http {
namespace {

TEST(Base64, KnownVectorsBothAlphabets) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xfb\xff", false), "+/8=");
  EXPECT_EQ(base64_encode("\xfb\xff", true), "-_8=");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("-_8="), "\xfb\xff");
  EXPECT_EQ(base64_decode("+/8"), "\xfb\xff");
  EXPECT_FALSE(base64_decode("Z").has_value());
  EXPECT_FALSE(base64_decode("Zm9v!").has_value());
}

TEST(Base64, BasicAuthorization) {
  EXPECT_EQ(basic_authorization("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

}  // namespace
}  // namespace rwd::http
