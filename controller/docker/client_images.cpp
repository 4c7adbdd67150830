// rwd::docker::Client: image inspect and pull (with registry credentials).

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "rewind/docker/client.hpp"
#include "rewind/docker/environment.hpp"
#include "rewind/docker/parse.hpp"
#include "rewind/docker/registry_auth.hpp"
#include "rewind/http/url.hpp"

namespace rwd::docker {
namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
constexpr std::size_t kMaxProgressLine = 1024 * 1024;

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

bool looks_transient(const std::string& message) {
  for (const char* word : {"timeout", "connection refused", "no such host", "i/o timeout",
                           "temporary", "TLS handshake", "connection reset", "EOF"}) {
    if (message.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

ApiResult<ImageInspect> Client::inspect_image(const std::string& reference) {
  if (reference.empty()) return model::Error::terminal("Docker: image reference is empty");
  const std::string target = "/images/" + http::percent_encode_path(reference) + "/json";
  auto r = call("GET", target, "", options_.timeout);
  if (!r) return r.error();
  if (!r->success()) {
    const std::string what = "GET " + path("/images/" + reference + "/json");
    return response_error(what + " on " + endpoint().str(), *r);
  }
  auto image = parse_image_inspect(r->body);
  if (!image) return image.error();
  return std::move(image.value());
}

ApiStatus Client::pull_image(const std::string& reference) {
  if (reference.empty()) return model::Error::terminal("Docker: image reference is empty");
  const ImageName name = split_image_reference(reference);
  const std::string what = "pull of " + reference + " on " + endpoint().str();

  http::ClientRequest request;
  request.method = "POST";
  request.target = path("/images/create") + http::query_string({{"fromImage", name.repository},
                                                                {"tag", name.tag_or_digest()}});

  std::string config_path = options_.docker_config;
  if (config_path.empty()) {
    config_path = docker_config_path([](const std::string& n) -> std::optional<std::string> {
      const char* v = std::getenv(n.c_str());  // NOLINT(concurrency-mt-unsafe)
      return v == nullptr ? std::nullopt : std::optional<std::string>(v);
    });
  }
  std::string registry = name.registry;
  if (registry.empty() && !options_.default_registry_auth_key.empty()) {
    registry = split_image_reference(options_.default_registry_auth_key + "/x").registry;
    if (registry.empty()) registry = options_.default_registry_auth_key;
  }
  if (!config_path.empty() && !registry.empty()) {
    if (auto text = read_small_file(config_path)) {
      auto auth = find_registry_auth(*text, registry);
      if (!auth) {
        return model::Error::terminal(what + ": " + config_path + ": " + auth.error().message);
      }
      if (*auth) request.headers.emplace_back("X-Registry-Auth", registry_auth_header(**auth));
    }
  }

  std::string line;
  std::optional<std::string> failure;
  auto streamed = http_->stream(request,
                                [&](std::string_view data) {
                                  for (char c : data) {
                                    if (c != '\n') {
                                      if (line.size() < kMaxProgressLine) line += c;
                                      continue;
                                    }
                                    if (auto error = parse_pull_error(line)) failure = error;
                                    line.clear();
                                  }
                                  return true;
                                },
                                options_.pull_idle_timeout, {});
  if (!streamed) return streamed.error();
  if (!streamed->head.success()) return response_error(what, streamed->head);
  if (!failure && !line.empty()) failure = parse_pull_error(line);
  if (failure) {
    std::string message = what + ": " + *failure;
    return looks_transient(*failure) ? model::Error::transient(std::move(message))
                                     : model::Error::terminal(std::move(message));
  }
  return {};
}

}  // namespace rwd::docker
