// rwd::docker::Client against an in-memory HTTP client: negotiation, paths,
// status handling, filters and registry auth.

#include "rewind/docker/client.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "rewind/docker/registry_auth.hpp"
#include "rewind/http/base64.hpp"
#include "rewind/http/url.hpp"

#include "fake_http.hpp"
#include "fixtures.hpp"

namespace rwd::docker {
namespace {

using testing::FakeHttp;
using testing::reply;

std::string version_json(const std::string& api, const std::string& min = "1.12") {
  return R"({"Version":"x","ApiVersion":")" + api + R"(","MinAPIVersion":")" + min + R"("})";
}

// A connected client whose later requests `handler` answers; raw pointer to the fake.
std::pair<std::unique_ptr<Client>, FakeHttp*> connected(FakeHttp::Handler handler,
                                                        ClientOptions options = {}) {
  auto fake = std::make_unique<FakeHttp>(
      [handler](const http::ClientRequest& r) -> model::Result<http::ClientResponse> {
        if (r.target == "/version") return reply(200, fixtures::kVersion);
        return handler(r);
      });
  FakeHttp* raw = fake.get();
  auto client = Client::connect(std::move(fake), std::move(options));
  EXPECT_TRUE(client.ok());
  return {std::move(client.value()), raw};
}

TEST(DockerClient, NegotiatesTheEnginesVersion) {
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(200, "[]"); });
  EXPECT_EQ(client->api_version(), (ApiVersion{1, 41}));
  EXPECT_EQ(client->engine().version, "20.10.24+dfsg1");
  ASSERT_TRUE(client->list_containers({}).ok());
  EXPECT_EQ(fake->requests.back().target, "/v1.41/containers/json?all=true");
}

TEST(DockerClient, CapsANewerEngineAtTheVersionItKnows) {
  auto fake = std::make_unique<FakeHttp>(
      [](const http::ClientRequest&) { return reply(200, version_json("1.45", "1.24")); });
  auto client = Client::connect(std::move(fake));
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->api_version(), kMaximumApiVersion);
  EXPECT_EQ((*client)->path("/_ping"), "/v" + kMaximumApiVersion.str() + "/_ping");
}

TEST(DockerClient, RefusesAnEngineOlderThan2010) {
  auto fake = std::make_unique<FakeHttp>(
      [](const http::ClientRequest&) { return reply(200, version_json("1.40")); });
  auto client = Client::connect(std::move(fake));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().error.kind, model::ErrorKind::kTerminal);
  EXPECT_NE(client.error().message().find("needs at least 1.41"), std::string::npos);
}

TEST(DockerClient, RefusesAnEngineThatNeedsANewerClient) {
  VersionInfo engine;
  engine.api_version = {1, 50};
  engine.min_api_version = ApiVersion{1, 44};
  EXPECT_FALSE(negotiate_api_version(engine).ok());
}

TEST(DockerClient, ConnectPassesTransportErrorsOn) {
  auto fake = std::make_unique<FakeHttp>([](const http::ClientRequest&) {
    return model::Result<http::ClientResponse>(model::Error::transient("refused"));
  });
  auto client = Client::connect(std::move(fake));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().status, 0);
  EXPECT_EQ(client.error().error.kind, model::ErrorKind::kTransient);
}

TEST(DockerClient, LabelFiltersAreEncodedJson) {
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(200, "[]"); });
  ASSERT_TRUE(
      client->list_containers({"com.docker.compose.project=shop", "com.docker.compose.service=api"})
          .ok());
  const auto& target = fake->requests.back().target;
  const auto q = target.find("filters=");
  ASSERT_NE(q, std::string::npos) << target;
  std::string decoded;
  ASSERT_TRUE(http::percent_decode(target.substr(q + 8), decoded));
  EXPECT_EQ(nlohmann::json::parse(decoded),
            nlohmann::json::parse(R"({"label":["com.docker.compose.project=shop",
                                               "com.docker.compose.service=api"]})"));
}

TEST(DockerClient, NotModifiedIsSuccessForStartAndStop) {
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(304); });
  EXPECT_TRUE(client->start_container("abc").ok());
  EXPECT_EQ(fake->requests.back().method, "POST");
  EXPECT_EQ(fake->requests.back().target, "/v1.41/containers/abc/start");
  EXPECT_TRUE(client->stop_container("abc", std::chrono::seconds(7)).ok());
  EXPECT_EQ(fake->requests.back().target, "/v1.41/containers/abc/stop?t=7");
  // The HTTP deadline covers the grace period.
  EXPECT_GE(fake->timeouts.back(), std::chrono::seconds(7) + std::chrono::seconds(1));
}

TEST(DockerClient, NotFoundIsDistinct) {
  auto [client, fake] = connected([](const http::ClientRequest&) {
    return reply(404, R"({"message":"No such container: nope"})");
  });
  auto c = client->inspect_container("nope");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.error().not_found());
  EXPECT_FALSE(c.error().conflict());
  EXPECT_EQ(c.error().error.kind, model::ErrorKind::kTerminal);
  EXPECT_NE(c.error().message().find("404 No such container: nope"), std::string::npos);
  EXPECT_NE(
      c.error().message().find("GET /v1.41/containers/nope/json on unix:///var/run/docker.sock"),
      std::string::npos)
      << c.error().message();
  auto start = client->start_container("nope");
  EXPECT_TRUE(start.error().not_found());
  auto image = client->inspect_image("registry.local:5000/shop/api:v1");
  EXPECT_TRUE(image.error().not_found());
  EXPECT_EQ(fake->requests.back().target, "/v1.41/images/registry.local:5000/shop/api:v1/json");
}

TEST(DockerClient, ConflictIsDistinct) {
  auto [client, fake] = connected([](const http::ClientRequest&) {
    return reply(409, R"({"message":"Conflict. The container name \"/x\" is already in use"})");
  });
  auto id = client->create_container(nlohmann::json{{"Image", "a:1"}}, "x");
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.error().conflict());
  EXPECT_EQ(fake->requests.back().target, "/v1.41/containers/create?name=x");
  EXPECT_EQ(fake->requests.back().headers.front().second, "application/json");
  EXPECT_EQ(nlohmann::json::parse(fake->requests.back().body)["Image"], "a:1");
}

TEST(DockerClient, ServerErrorsAreTransient) {
  auto [client, fake] = connected(
      [](const http::ClientRequest&) { return reply(500, R"({"message":"driver failed"})"); });
  auto r = client->rename_container("a", "b c");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.kind, model::ErrorKind::kTransient);
  EXPECT_EQ(fake->requests.back().target, "/v1.41/containers/a/rename?name=b%20c");
}

TEST(DockerClient, RemoveAndConnect) {
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(204); });
  ASSERT_TRUE(client->remove_container("a", true).ok());
  EXPECT_EQ(fake->requests.back().method, "DELETE");
  EXPECT_EQ(fake->requests.back().target, "/v1.41/containers/a?force=true&v=false");
  ASSERT_TRUE(client->connect_network("shop_backend", "a", {{"Aliases", {"api"}}}).ok());
  EXPECT_EQ(fake->requests.back().target, "/v1.41/networks/shop_backend/connect");
  EXPECT_EQ(nlohmann::json::parse(fake->requests.back().body),
            nlohmann::json::parse(R"({"Container":"a","EndpointConfig":{"Aliases":["api"]}})"));
}

class TempConfig {
 public:
  explicit TempConfig(const std::string& text) {
    char tmpl[] = "/tmp/rewind-docker-config-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::ofstream(dir_ + "/config.json") << text;
  }
  ~TempConfig() { std::filesystem::remove_all(dir_); }
  [[nodiscard]] std::string path() const { return dir_ + "/config.json"; }

 private:
  std::string dir_;
};

TEST(DockerClient, PullSendsRegistryAuthAndAConcreteTag) {
  TempConfig config(R"({"auths":{"registry.local:5000":{"auth":")" +
                    http::base64_encode("ci:hunter2") + R"("}}})");
  ClientOptions options;
  options.docker_config = config.path();
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(200); }, options);
  fake->streams.push_back(
      testing::stream_of({"{\"status\":\"Pulling\"}\n", "{\"status\":\"Done\"}\n"}));
  ASSERT_TRUE(client->pull_image("registry.local:5000/shop/api").ok());
  const auto& r = fake->requests.back();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target,
            "/v1.41/images/create?fromImage=registry.local%3A5000%2Fshop%2Fapi&tag=latest");
  ASSERT_EQ(r.headers.size(), 1U);
  EXPECT_EQ(r.headers[0].first, "X-Registry-Auth");
  const auto decoded = http::base64_decode(r.headers[0].second);
  ASSERT_TRUE(decoded.has_value());
  const auto auth = nlohmann::json::parse(*decoded);
  EXPECT_EQ(auth["username"], "ci");
  EXPECT_EQ(auth["password"], "hunter2");
  EXPECT_EQ(auth["serveraddress"], "registry.local:5000");
}

TEST(DockerClient, PullWithoutCredentialsSendsNoAuth) {
  TempConfig config(R"({"auths":{}})");
  ClientOptions options;
  options.docker_config = config.path();
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(200); }, options);
  fake->streams.push_back(testing::stream_of({"{\"status\":\"ok\"}\n"}));
  ASSERT_TRUE(client->pull_image("shop-api:v2").ok());
  EXPECT_TRUE(fake->requests.back().headers.empty());
  EXPECT_EQ(fake->requests.back().target, "/v1.41/images/create?fromImage=shop-api&tag=v2");
}

TEST(DockerClient, PullFailsOnAnErrorInsideTheStreamWithoutLeakingTheSecret) {
  TempConfig config(R"({"auths":{"r.example":{"auth":")" + http::base64_encode("u:topsecret") +
                    R"("}}})");
  ClientOptions options;
  options.docker_config = config.path();
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(200); }, options);
  fake->streams.push_back(
      testing::stream_of({"{\"status\":\"Pulling\"}\n{\"error\":\"manifest ",
                          "unknown\",\"errorDetail\":{\"message\":\"manifest unknown\"}}\n"}));
  auto r = client->pull_image("r.example/app:v9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.kind, model::ErrorKind::kTerminal);
  EXPECT_NE(r.error().message().find("manifest unknown"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("r.example/app:v9"), std::string::npos);
  EXPECT_EQ(r.error().message().find("topsecret"), std::string::npos);
}

TEST(DockerClient, PullNetworkErrorsAreTransient) {
  auto [client, fake] = connected([](const http::ClientRequest&) { return reply(200); });
  fake->streams.push_back(testing::stream_of(
      {R"({"error":"Get \"https://r.example/v2/\": dial tcp: lookup r.example: no such host"})"}));
  auto r = client->pull_image("r.example/app:v9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.kind, model::ErrorKind::kTransient);
  fake->streams.push_back(testing::stream_status(404, R"({"message":"not found"})"));
  auto missing = client->pull_image("r.example/app:v9");
  EXPECT_TRUE(missing.error().not_found());
}

}  // namespace
}  // namespace rwd::docker
