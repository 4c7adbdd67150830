#pragma once
// Where the Docker Engine is, the way the docker CLI finds it:
//   DOCKER_HOST        unix:///var/run/docker.sock (default), tcp://host:port, https://...
//   DOCKER_TLS_VERIFY  non-empty: TLS, verifying the Engine with $DOCKER_CERT_PATH/ca.pem
//   DOCKER_TLS         non-empty (without DOCKER_TLS_VERIFY): TLS without verification
//   DOCKER_CERT_PATH   ca.pem, cert.pem, key.pem (default: $HOME/.docker); the client
//                      certificate is used when cert.pem and key.pem exist

#include <functional>
#include <optional>
#include <string>

#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"

namespace rwd::docker {

using GetEnv = std::function<std::optional<std::string>(const std::string& name)>;
using FileExists = std::function<bool(const std::string& path)>;

model::Result<http::Endpoint> endpoint_from_environment(const GetEnv& getenv,
                                                        const FileExists& file_exists);

// The process environment and filesystem.
model::Result<http::Endpoint> endpoint_from_environment();

// The Docker CLI's config file: $DOCKER_CONFIG/config.json, else
// $HOME/.docker/config.json; empty when neither variable is set.
std::string docker_config_path(const GetEnv& getenv);

}  // namespace rwd::docker
