// Bearer-token check for mutating routes: disabled without a token file,
// 401 for missing or wrong tokens, token files read strictly.

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "rewind/http/router.hpp"

namespace rwd::http {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "s3cr3t-T0ken_value~+/==";

ServerRequest req(std::string method, std::string target,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  return make_request(std::move(method), std::move(target), std::move(headers), "").value();
}

// A router with one mutating route, as the promote/abort endpoints will be.
Router with_mutating_route(BearerAuth auth, int* calls) {
  Router router(std::move(auth));
  router.add(
      "POST", "/api/v1/releases/{namespace}/{name}/promote",
      [calls](const ServerRequest& r) {
        ++*calls;
        return ServerResponse::json(202, model::Json{{"promoted", r.param("name")}});
      },
      Access::kMutating);
  router.get("/api/v1/releases",
             [](const ServerRequest&) { return ServerResponse::json(200, model::Json::array()); });
  return router;
}

constexpr const char* kPromote = "/api/v1/releases/shop/api/promote";

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ = fs::temp_directory_path() /
            ("rewind-token-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { fs::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abc", ""));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), "a"));
}

TEST(BearerAuth, WithoutTokenMutatingRoutesAre403) {
  int calls = 0;
  const auto router = with_mutating_route(BearerAuth{}, &calls);
  const auto r = router.handle(req("POST", kPromote, {{"Authorization", "Bearer anything"}}));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(model::Json::parse(r.body)["error"],
            "mutating endpoints are disabled: start the controller with --token-file to enable "
            "them");
  EXPECT_EQ(calls, 0);
  // Read-only routes are not affected.
  EXPECT_EQ(router.handle(req("GET", "/api/v1/releases")).status, 200);
}

TEST(BearerAuth, MissingHeaderIs401WithChallenge) {
  int calls = 0;
  const auto router = with_mutating_route(BearerAuth(kToken), &calls);
  const auto r = router.handle(req("POST", kPromote));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"rewind\"");
  EXPECT_EQ(calls, 0);
}

TEST(BearerAuth, WrongSchemeOrTokenIs401) {
  int calls = 0;
  const auto router = with_mutating_route(BearerAuth(kToken), &calls);
  const std::vector<std::string> values = {"Basic dXNlcjpwYXNz",
                                           std::string("Bearer ") + kToken + "x", "Bearer", kToken,
                                           std::string("Bearer ") + std::string(kToken).substr(1)};
  for (const auto& value : values) {
    const auto r = router.handle(req("POST", kPromote, {{"Authorization", value}}));
    EXPECT_EQ(r.status, 401) << value;
    EXPECT_EQ(r.body.find(kToken), std::string::npos) << "the token is never echoed";
  }
  const auto wrong = router.handle(req("POST", kPromote, {{"Authorization", "Bearer nope"}}));
  EXPECT_EQ(wrong.header("www-authenticate"), "Bearer realm=\"rewind\", error=\"invalid_token\"");
  EXPECT_EQ(calls, 0);
}

TEST(BearerAuth, RightTokenReachesTheHandler) {
  int calls = 0;
  const auto router = with_mutating_route(BearerAuth(kToken), &calls);
  const auto r =
      router.handle(req("POST", kPromote, {{"authorization", std::string("bearer  ") + kToken}}));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(model::Json::parse(r.body)["promoted"], "api");
  EXPECT_EQ(calls, 1);
}

TEST(BearerAuth, MethodMismatchIs405BeforeAuth) {
  int calls = 0;
  const auto router = with_mutating_route(BearerAuth{}, &calls);
  EXPECT_EQ(router.handle(req("GET", kPromote)).status, 405);
}

TEST(BearerAuth, FromFileTrimsWhitespace) {
  const TempFile f(std::string("  ") + kToken + "\r\n");
  auto auth = BearerAuth::from_file(f.path());
  ASSERT_TRUE(auth.ok()) << auth.error().message;
  EXPECT_TRUE(auth->enabled());
  EXPECT_FALSE(auth->check(req("POST", "/", {{"Authorization", std::string("Bearer ") + kToken}})));
}

TEST(BearerAuth, FromFileRefusesBadFiles) {
  const auto missing = BearerAuth::from_file("/nonexistent/rewind/token");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/rewind/token"), std::string::npos);

  const TempFile empty(" \n");
  EXPECT_FALSE(BearerAuth::from_file(empty.path()).ok());

  const TempFile spaced("two words\n");
  const auto bad = BearerAuth::from_file(spaced.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("two words"), std::string::npos) << "content not quoted";

  const TempFile big(std::string(5000, 'a'));
  EXPECT_FALSE(BearerAuth::from_file(big.path()).ok());

  const TempFile padding_inside("ab=cd");
  EXPECT_FALSE(BearerAuth::from_file(padding_inside.path()).ok());
}

TEST(BearerAuth, DefaultIsDisabled) { EXPECT_FALSE(BearerAuth{}.enabled()); }

}  // namespace
}  // namespace rwd::http
