// DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_TLS and DOCKER_CERT_PATH.

#include "rewind/docker/environment.hpp"

#include <cstdlib>
#include <filesystem>

namespace rwd::docker {
namespace {

std::string value_of(const GetEnv& getenv, const char* name) {
  auto v = getenv(name);
  return v ? *v : std::string();
}

}  // namespace

model::Result<http::Endpoint> endpoint_from_environment(const GetEnv& getenv,
                                                        const FileExists& file_exists) {
  std::string host = value_of(getenv, "DOCKER_HOST");
  if (host.empty()) host = "unix:///var/run/docker.sock";
  const bool verify = !value_of(getenv, "DOCKER_TLS_VERIFY").empty();
  const bool tls = verify || !value_of(getenv, "DOCKER_TLS").empty();

  auto plain = http::parse_endpoint(host);
  if (!plain) {
    return model::Error::invalid_spec("DOCKER_HOST: " + plain.error().message);
  }
  if (!tls && plain->transport != http::Transport::kTls) return plain;
  if (plain->transport == http::Transport::kUnix) {
    return model::Error::invalid_spec("DOCKER_HOST: TLS (DOCKER_TLS_VERIFY) needs a tcp:// host");
  }

  std::string dir = value_of(getenv, "DOCKER_CERT_PATH");
  if (dir.empty()) {
    const std::string home = value_of(getenv, "HOME");
    if (!home.empty()) dir = home + "/.docker";
  }
  http::TlsClientOptions options;
  // An https:// DOCKER_HOST verifies unless only DOCKER_TLS asked for TLS.
  options.verify = verify || (plain->transport == http::Transport::kTls && !tls);
  if (!dir.empty()) {
    if (options.verify && file_exists(dir + "/ca.pem")) options.ca_file = dir + "/ca.pem";
    if (file_exists(dir + "/cert.pem") && file_exists(dir + "/key.pem")) {
      options.cert_file = dir + "/cert.pem";
      options.key_file = dir + "/key.pem";
    }
  }
  auto ep = http::parse_endpoint(host, options);
  if (!ep) return model::Error::invalid_spec("DOCKER_HOST: " + ep.error().message);
  return ep;
}

model::Result<http::Endpoint> endpoint_from_environment() {
  return endpoint_from_environment(
      [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
        if (v == nullptr) return std::nullopt;
        return std::string(v);
      },
      [](const std::string& path) {
        std::error_code ec;
        return std::filesystem::is_regular_file(path, ec);
      });
}

std::string docker_config_path(const GetEnv& getenv) {
  const std::string dir = value_of(getenv, "DOCKER_CONFIG");
  if (!dir.empty()) return dir + "/config.json";
  const std::string home = value_of(getenv, "HOME");
  if (!home.empty()) return home + "/.docker/config.json";
  return {};
}

}  // namespace rwd::docker
