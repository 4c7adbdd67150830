// One key of a Secret from the in-memory API server.

#include "rewind/kube/secrets.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

struct SecretsTest : ::testing::Test {
  std::shared_ptr<testing::FakeApiState> state = std::make_shared<testing::FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};
  void SetUp() override {
    state->objects["/api/v1/namespaces/shop/secrets/db"] =
        Json{{"metadata", {{"name", "db"}, {"namespace", "shop"}}},
             {"data", {{"url", "cG9zdGdyZXNxbDovL2FwcDpwd0BkYi9hcHA="}, {"user", "YXBw"}}}};
  }
};

TEST_F(SecretsTest, ReadsAndDecodesOneKeyWithOneGet) {
  auto v = secret_value(api, "shop", "db", "url");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, "postgresql://app:pw@db/app");
  EXPECT_EQ(state->methods_and_targets(),
            std::vector<std::string>{"GET /api/v1/namespaces/shop/secrets/db"});
}

TEST_F(SecretsTest, ErrorsNameTheSecretAndTheKeysButNoValue) {
  auto missing_key = secret_value(api, "shop", "db", "uri");
  ASSERT_FALSE(missing_key);
  EXPECT_EQ(missing_key.error().message, "Secret shop/db has no key \"uri\" (it has: url, user)");
  auto missing = secret_value(api, "shop", "nope", "url");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "Secret shop/nope does not exist");
  state->objects["/api/v1/namespaces/shop/secrets/db"]["data"]["url"] = "%%%";
  auto bad = secret_value(api, "shop", "db", "url");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Secret shop/db: key \"url\" is not valid base64");
}

}  // namespace
}  // namespace rwd::kube
