#pragma once
// Internal to rwd::docker::Client's source files: how calls are named in
// errors, and the check that keeps an empty id from addressing another
// endpoint.

#include <optional>
#include <string>

#include "rewind/docker/client.hpp"

namespace rwd::docker::detail {

// "GET /containers/{id}/json on unix:///var/run/docker.sock" (no query).
inline std::string describe(const std::string& method, const std::string& target,
                            const http::Endpoint& endpoint) {
  return method + " " + target.substr(0, target.find('?')) + " on " + endpoint.str();
}

// An empty id or name would address another endpoint ("/containers//json").
inline std::optional<ApiError> empty(const std::string& what, const std::string& value) {
  if (!value.empty()) return std::nullopt;
  return ApiError(model::Error::terminal("Docker: " + what + " is empty"));
}

}  // namespace rwd::docker::detail
