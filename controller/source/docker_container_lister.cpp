// The label source's containers, from the Docker Engine.

#include "rewind/source/docker_container_lister.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace rwd::source {
namespace {

std::vector<int> tcp_ports(const nlohmann::json& config) {
  std::vector<int> out;
  if (!config.is_object()) return out;
  const auto it = config.find("ExposedPorts");
  if (it == config.end() || !it->is_object()) return out;
  for (const auto& [key, value] : it->items()) {
    const auto slash = key.find('/');
    if (slash != std::string::npos && key.substr(slash + 1) != "tcp") continue;
    const std::string digits = key.substr(0, slash);
    int port = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec == std::errc() && ptr == digits.data() + digits.size()) out.push_back(port);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> env_of(const nlohmann::json& config) {
  std::vector<std::string> out;
  if (!config.is_object()) return out;
  const auto it = config.find("Env");
  if (it == config.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

LabelledContainer to_labelled(const docker::ContainerInspect& c,
                              const std::vector<std::string>& image_env) {
  LabelledContainer out;
  out.id = c.id;
  out.name = c.name;
  out.image = c.image;
  out.labels = c.labels;
  const std::set<std::string> from_image(image_env.begin(), image_env.end());
  for (const auto& entry : c.env) {
    if (from_image.contains(entry)) continue;
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;  // "KEY" alone: unset, not configuration
    out.env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  out.exposed_tcp_ports = tcp_ports(c.config);
  if (const auto t = model::parse_timestamp(c.created)) out.created = *t;
  out.running = c.running;
  return out;
}

model::Result<std::vector<std::string>> DockerContainerLister::image_env(
    const std::string& image_id) {
  if (auto it = image_envs_.find(image_id); it != image_envs_.end()) return it->second;
  auto image = client_.inspect_image(image_id);
  std::vector<std::string> env;
  if (image) {
    env = env_of(image->config);
  } else if (!image.error().not_found()) {
    return image.error().error;
  }
  image_envs_[image_id] = env;
  return env;
}

model::Result<std::vector<LabelledContainer>> DockerContainerLister::list() {
  std::lock_guard lock(mu_);
  std::vector<std::string> filters{docker_label::kRelease};
  filters.insert(filters.end(), filters_.begin(), filters_.end());
  auto summaries = client_.list_containers(filters, /*all=*/true);
  if (!summaries) return summaries.error().error;
  std::map<std::string, Inspected> seen;
  std::vector<LabelledContainer> out;
  for (const auto& s : *summaries) {
    auto cached = containers_.find(s.id);
    if (cached == containers_.end()) {
      auto inspected = client_.inspect_container(s.id);
      if (!inspected) {
        if (inspected.error().not_found()) continue;  // removed since the list
        return inspected.error().error;
      }
      auto env = image_env(inspected->image_id);
      if (!env) return env.error();
      cached =
          containers_.emplace(s.id, Inspected{to_labelled(*inspected, *env), inspected->image_id})
              .first;
    }
    Inspected c = cached->second;
    if (!s.names.empty()) c.container.name = s.names.front();
    c.container.running = s.state == "running";
    out.push_back(c.container);
    seen.emplace(s.id, std::move(c));
  }
  // Forget what is gone.
  containers_ = std::move(seen);
  std::erase_if(image_envs_, [&](const auto& entry) {
    return std::none_of(containers_.begin(), containers_.end(),
                        [&](const auto& c) { return c.second.image_id == entry.first; });
  });
  return out;
}

}  // namespace rwd::source
