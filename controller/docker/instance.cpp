// Inspected containers as execute::Instance, and where to reach them (pure).

#include "rewind/docker/replacement.hpp"
#include "rewind/model/time.hpp"

namespace rwd::docker {
namespace {

bool is_ipv4(const std::string& ip) { return ip.find(':') == std::string::npos; }

std::string host_port(std::string ip, const std::string& port) {
  if (ip.empty() || ip == "0.0.0.0") ip = "127.0.0.1";
  if (ip == "::") ip = "::1";
  if (!is_ipv4(ip)) ip = "[" + ip + "]";
  return ip + ":" + port;
}

}  // namespace

model::Result<std::string> container_address(const ContainerInspect& c, int port) {
  const std::string key = std::to_string(port) + "/tcp";
  if (const auto it = c.ports.find(key); it != c.ports.end() && !it->second.empty()) {
    const PortBinding* pick = &it->second.front();
    for (const auto& b : it->second) {
      if (is_ipv4(b.host_ip) && !b.host_port.empty()) {
        pick = &b;
        break;
      }
    }
    if (!pick->host_port.empty()) return host_port(pick->host_ip, pick->host_port);
  }
  // `network_mode: host`: the container listens on the host's own
  // interfaces, and has neither published ports nor an address of its own.
  if (c.network_mode == "host") return host_port("127.0.0.1", std::to_string(port));
  const NetworkAttachment* net = nullptr;
  for (const auto& n : c.networks) {
    if (n.ip_address.empty()) continue;
    if (n.name == c.network_mode) {
      net = &n;
      break;
    }
    if (net == nullptr) net = &n;
  }
  if (net != nullptr) return net->ip_address + ":" + std::to_string(port);
  return model::Error::transient("container " + c.name + " (" + c.id.substr(0, 12) +
                                 ") has neither a published port " + key +
                                 " nor an address on a network");
}

execute::Instance to_instance(const ContainerInspect& c) {
  execute::Instance i;
  i.id = c.id;
  i.name = c.name;
  i.image = model::ImageRef(c.image);
  for (const auto& entry : c.env) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) {
      i.env[entry] = "";
    } else {
      i.env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  i.labels = c.labels;
  i.running = c.running;
  if (c.health == "starting") {
    i.health = execute::HealthStatus::kStarting;
  } else if (c.health == "healthy") {
    i.health = execute::HealthStatus::kHealthy;
  } else if (c.health == "unhealthy") {
    i.health = execute::HealthStatus::kUnhealthy;
  }
  if (const auto t = model::parse_timestamp(c.created)) i.created = *t;
  return i;
}

}  // namespace rwd::docker
