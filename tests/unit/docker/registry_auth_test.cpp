#include "rewind/docker/registry_auth.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/http/base64.hpp"

namespace rwd::docker {
namespace {

TEST(SplitImageReference, Table) {
  struct Case {
    const char* ref;
    const char* registry;
    const char* repository;
    const char* tag;
    const char* digest;
    const char* pull_tag;
  };
  const Case cases[] = {
      {"api", "", "api", "", "", "latest"},
      {"shop-api:v1.2.4", "", "shop-api", "v1.2.4", "", "v1.2.4"},
      {"library/nginx:1.25", "", "library/nginx", "1.25", "", "1.25"},
      {"registry.local/shop/api:v2", "registry.local", "registry.local/shop/api", "v2", "", "v2"},
      {"registry.local:5000/shop/api", "registry.local:5000", "registry.local:5000/shop/api", "",
       "", "latest"},
      {"localhost/api:1", "localhost", "localhost/api", "1", "", "1"},
      {"r.example/a@sha256:abc", "r.example", "r.example/a", "", "sha256:abc", "sha256:abc"},
      {"r.example/a:v1@sha256:abc", "r.example", "r.example/a", "v1", "sha256:abc", "v1"},
  };
  for (const auto& c : cases) {
    const auto n = split_image_reference(c.ref);
    EXPECT_EQ(n.registry, c.registry) << c.ref;
    EXPECT_EQ(n.repository, c.repository) << c.ref;
    EXPECT_EQ(n.tag, c.tag) << c.ref;
    EXPECT_EQ(n.digest, c.digest) << c.ref;
    EXPECT_EQ(n.tag_or_digest(), c.pull_tag) << c.ref;
  }
}

TEST(FindRegistryAuth, MatchesKeysWithOrWithoutSchemeAndPath) {
  const std::string config = R"({"auths":{
      "https://r.example/v1/":{"auth":")" +
                             http::base64_encode("alice:pa:ss") + R"("},
      "registry.local:5000":{"auth":")" +
                             http::base64_encode("bob:pw") + R"("},
      "tokens.example":{"identitytoken":"tok123"},
      "helper.example":{}},
    "credsStore":"desktop"})";
  auto a = find_registry_auth(config, "r.example");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->username, "alice");
  EXPECT_EQ((*a)->password, "pa:ss");  // split at the first colon
  EXPECT_EQ((*a)->server_address, "https://r.example/v1/");
  auto b = find_registry_auth(config, "registry.local:5000");
  EXPECT_EQ((*b)->username, "bob");
  auto t = find_registry_auth(config, "tokens.example");
  EXPECT_EQ((*t)->identity_token, "tok123");
  EXPECT_FALSE(find_registry_auth(config, "helper.example")->has_value());
  EXPECT_FALSE(find_registry_auth(config, "other.example")->has_value());
  EXPECT_FALSE(find_registry_auth("{}", "r.example")->has_value());
}

TEST(FindRegistryAuth, MalformedEntriesAreErrorsThatRevealNoSecret) {
  auto bad = find_registry_auth(R"({"auths":{"r.example":{"auth":"!!secret!!"}}})", "r.example");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("secret"), std::string::npos);
  EXPECT_NE(bad.error().message.find("auths.r.example.auth"), std::string::npos);
  const std::string no_colon = http::base64_encode("justauser");
  EXPECT_FALSE(find_registry_auth(R"({"auths":{"r":{"auth":")" + no_colon + R"("}}})", "r").ok());
  EXPECT_FALSE(find_registry_auth("not json", "r").ok());
  EXPECT_FALSE(find_registry_auth(R"({"auths":[]})", "r").ok());
}

TEST(RegistryAuthHeader, Base64UrlJson) {
  RegistryAuth auth;
  auth.username = "u";
  auth.password = "p?>";
  auth.server_address = "r.example";
  const auto header = registry_auth_header(auth);
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos);
  const auto decoded = http::base64_decode(header);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(
      nlohmann::json::parse(*decoded),
      nlohmann::json::parse(R"({"username":"u","password":"p?>","serveraddress":"r.example"})"));
  RegistryAuth token;
  token.identity_token = "t";
  token.server_address = "r";
  EXPECT_EQ(nlohmann::json::parse(*http::base64_decode(registry_auth_header(token))),
            nlohmann::json::parse(R"({"identitytoken":"t","serveraddress":"r"})"));
}

}  // namespace
}  // namespace rwd::docker
