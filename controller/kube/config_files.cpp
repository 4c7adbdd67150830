// File and text helpers of the kubeconfig and in-cluster loaders.

#include "config_files.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

namespace rwd::kube::detail {
namespace {

namespace fs = std::filesystem;

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

std::string in_quotes(const fs::path& path) { return "\"" + path.string() + "\""; }

}  // namespace

model::Result<std::string> read_text_file(const fs::path& path, std::size_t max_bytes) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return model::Error::transient("cannot read " + in_quotes(path) + ": is a directory");
  }
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rbe"));
  if (!file) {
    return model::Error::transient("cannot read " + in_quotes(path) + ": " + std::strerror(errno));
  }
  std::string out;
  char buffer[4096];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    out.append(buffer, n);
    if (out.size() > max_bytes) {
      return model::Error::transient("cannot read " + in_quotes(path) + ": larger than " +
                                     std::to_string(max_bytes) + " bytes");
    }
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file.get()) != 0) {
    return model::Error::transient("cannot read " + in_quotes(path) + ": read error");
  }
  return out;
}

std::string file_problem(const fs::path& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) return "not found";
  if (ec) return ec.message();
  if (fs::is_directory(status)) return "is a directory";
  if (!fs::is_regular_file(status)) return "is not a regular file";
  if (::access(path.c_str(), R_OK) != 0) return std::strerror(errno);
  return {};
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

bool valid_token(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

std::string server_url(const http::Endpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + endpoint.host + "]" : endpoint.host;
  const char* scheme = endpoint.transport == http::Transport::kTls ? "https://" : "http://";
  return scheme + host + ":" + std::to_string(endpoint.port);
}

}  // namespace rwd::kube::detail
