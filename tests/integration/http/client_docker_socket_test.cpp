// The HTTP client against the real Docker Engine on its unix socket.

#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/http/client.hpp"

namespace rwd::http {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSocket = "/var/run/docker.sock";

class DockerSocket : public ::testing::Test {
 protected:
  void SetUp() override {
    // The Engine is a peer these tests need: a missing one fails, never skips.
    ASSERT_EQ(::access(kSocket, R_OK | W_OK), 0) << "no Docker socket at " << kSocket;
    auto ep = parse_endpoint(std::string("unix://") + kSocket);
    ASSERT_TRUE(ep.ok());
    auto c = make_client(*ep);
    ASSERT_TRUE(c.ok());
    client_ = std::move(c.value());
  }
  std::unique_ptr<Client> client_;
};

TEST_F(DockerSocket, Ping) {
  ClientRequest r;
  r.target = "/_ping";
  auto resp = client_->request(r, 5s);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "OK");
  EXPECT_TRUE(resp->header("Api-Version").has_value());
}

TEST_F(DockerSocket, VersionOnAKeptAliveConnection) {
  ClientRequest r;
  r.target = "/version";
  for (int i = 0; i < 3; ++i) {
    auto resp = client_->request(r, 5s);
    ASSERT_TRUE(resp.ok()) << resp.error().message;
    ASSERT_EQ(resp->status, 200);
    const auto json = nlohmann::json::parse(resp->body);
    EXPECT_TRUE(json.contains("ApiVersion"));
    EXPECT_TRUE(json.contains("Version"));
  }
}

TEST_F(DockerSocket, NotFoundIsAResponseNotAnError) {
  ClientRequest r;
  r.target = "/containers/rewind-no-such-container-xyz/json";
  auto resp = client_->request(r, 5s);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 404);
}

TEST(UnixSocket, MissingSocketIsTransient) {
  auto ep = parse_endpoint("unix:///tmp/rewind-no-such-socket.sock");
  auto client = make_client(*ep);
  ClientRequest r;
  r.target = "/_ping";
  auto resp = (*client)->request(r, 1s);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().kind, model::ErrorKind::kTransient);
  EXPECT_NE(resp.error().message.find("unix:///tmp/rewind-no-such-socket.sock"), std::string::npos);
}

}  // namespace
}  // namespace rwd::http
