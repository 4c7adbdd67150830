#pragma once
// Small file and text helpers shared by the kubeconfig and in-cluster
// loaders (config.cpp, config_env.cpp). Internal to controller/kube.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"

namespace rwd::kube::detail {

// The whole file, up to max_bytes. Failure is a transient error
// "cannot read \"<path>\": <reason>" that never holds the file's contents.
model::Result<std::string> read_text_file(const std::filesystem::path& path,
                                          std::size_t max_bytes = 1024 * 1024);

// "" when `path` is a readable regular file, else why not ("not found",
// "is a directory", "permission denied").
std::string file_problem(const std::filesystem::path& path);

// `text` without leading and trailing whitespace.
std::string_view trim(std::string_view text);

// True when `token` may go into an Authorization header: printable ASCII only.
bool valid_token(std::string_view token);

// "https://10.0.0.1:443", "http://[::1]:8080": the server as shown in messages.
std::string server_url(const http::Endpoint& endpoint);

}  // namespace rwd::kube::detail
