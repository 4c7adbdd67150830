#include "rewind/docker/environment.hpp"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace rwd::docker {
namespace {

struct World {
  std::map<std::string, std::string> env;
  std::set<std::string> files;

  [[nodiscard]] model::Result<http::Endpoint> endpoint() const {
    return endpoint_from_environment(
        [this](const std::string& n) -> std::optional<std::string> {
          const auto it = env.find(n);
          if (it == env.end()) return std::nullopt;
          return it->second;
        },
        [this](const std::string& p) { return files.count(p) != 0; });
  }
};

TEST(DockerEnvironment, DefaultsToTheLocalSocket) {
  auto ep = World{}.endpoint();
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->transport, http::Transport::kUnix);
  EXPECT_EQ(ep->socket_path, "/var/run/docker.sock");
  World empty_host{{{"DOCKER_HOST", ""}}, {}};
  EXPECT_EQ(empty_host.endpoint()->socket_path, "/var/run/docker.sock");
}

TEST(DockerEnvironment, PlainTcp) {
  World w{{{"DOCKER_HOST", "tcp://10.0.0.5:2375"}}, {}};
  auto ep = w.endpoint();
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->transport, http::Transport::kTcp);
  EXPECT_EQ(ep->host, "10.0.0.5");
}

TEST(DockerEnvironment, TlsVerifyWithCertPath) {
  World w{{{"DOCKER_HOST", "tcp://docker.example"},
           {"DOCKER_TLS_VERIFY", "1"},
           {"DOCKER_CERT_PATH", "/certs"}},
          {"/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem"}};
  auto ep = w.endpoint();
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->transport, http::Transport::kTls);
  EXPECT_EQ(ep->port, 2376);
  EXPECT_TRUE(ep->tls.verify);
  EXPECT_EQ(ep->tls.ca_file, "/certs/ca.pem");
  EXPECT_EQ(ep->tls.cert_file, "/certs/cert.pem");
  EXPECT_EQ(ep->tls.key_file, "/certs/key.pem");
}

TEST(DockerEnvironment, CertPathDefaultsToHomeDocker) {
  World w{{{"DOCKER_HOST", "tcp://d:2376"}, {"DOCKER_TLS_VERIFY", "1"}, {"HOME", "/root"}},
          {"/root/.docker/ca.pem"}};
  auto ep = w.endpoint();
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->tls.ca_file, "/root/.docker/ca.pem");
  EXPECT_TRUE(ep->tls.cert_file.empty());  // no cert.pem/key.pem there
}

TEST(DockerEnvironment, TlsWithoutVerify) {
  World w{{{"DOCKER_HOST", "tcp://d:2376"}, {"DOCKER_TLS", "1"}, {"DOCKER_CERT_PATH", "/c"}},
          {"/c/ca.pem"}};
  auto ep = w.endpoint();
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->transport, http::Transport::kTls);
  EXPECT_FALSE(ep->tls.verify);
  EXPECT_TRUE(ep->tls.ca_file.empty());
}

TEST(DockerEnvironment, HttpsHostVerifiesByDefault) {
  World w{{{"DOCKER_HOST", "https://d.example:2376"}}, {}};
  auto ep = w.endpoint();
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->transport, http::Transport::kTls);
  EXPECT_TRUE(ep->tls.verify);
}

TEST(DockerEnvironment, Errors) {
  World tls_unix{{{"DOCKER_TLS_VERIFY", "1"}}, {}};
  EXPECT_EQ(tls_unix.endpoint().error().kind, model::ErrorKind::kInvalidSpec);
  World bad{{{"DOCKER_HOST", "ssh://user@host"}}, {}};
  auto ep = bad.endpoint();
  ASSERT_FALSE(ep.ok());
  EXPECT_NE(ep.error().message.find("DOCKER_HOST"), std::string::npos);
}

TEST(DockerConfigPath, DockerConfigThenHome) {
  const auto env = [](std::map<std::string, std::string> m) {
    return [m](const std::string& n) -> std::optional<std::string> {
      const auto it = m.find(n);
      if (it == m.end()) return std::nullopt;
      return it->second;
    };
  };
  EXPECT_EQ(docker_config_path(env({{"DOCKER_CONFIG", "/cfg"}, {"HOME", "/h"}})),
            "/cfg/config.json");
  EXPECT_EQ(docker_config_path(env({{"HOME", "/h"}})), "/h/.docker/config.json");
  EXPECT_EQ(docker_config_path(env({})), "");
}

}  // namespace
}  // namespace rwd::docker
