// GET /containers/json, GET /containers/{id}/json and POST /containers/create.

#include <algorithm>

#include "rewind/docker/parse.hpp"

#include "json_reader.hpp"

namespace rwd::docker {
namespace {

using detail::JsonReader;
using nlohmann::json;

std::string strip_slash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

ContainerSummary read_summary(JsonReader& r, const json& item, const std::string& path) {
  ContainerSummary s;
  s.id = r.str(item, "Id", path + ".Id");
  for (auto& name : r.strings(item, "Names", path + ".Names")) {
    s.names.push_back(strip_slash(std::move(name)));
  }
  s.image = r.str(item, "Image", path + ".Image");
  s.image_id = r.str(item, "ImageID", path + ".ImageID");
  s.labels = r.string_map(item, "Labels", path + ".Labels");
  s.state = r.str(item, "State", path + ".State");
  s.created = r.integer(item, "Created", path + ".Created");
  if (r.ok() && s.id.empty()) r.fail(path + ".Id", "a container id");
  return s;
}

void read_ports(JsonReader& r, const json& settings, ContainerInspect& c) {
  const json& ports = r.object(settings, "Ports", "NetworkSettings.Ports");
  for (const auto& [port, bindings] : ports.items()) {
    const std::string path = "NetworkSettings.Ports." + port;
    auto& out = c.ports[port];
    if (bindings.is_null()) continue;  // exposed, not published
    if (!bindings.is_array()) {
      r.fail(path, "a list of bindings");
      return;
    }
    for (const auto& b : bindings) {
      if (!b.is_object()) {
        r.fail(path, "a list of bindings");
        return;
      }
      out.push_back(
          {r.str(b, "HostIp", path + ".HostIp"), r.str(b, "HostPort", path + ".HostPort")});
    }
  }
}

void read_networks(JsonReader& r, const json& settings, ContainerInspect& c) {
  const json& networks = r.object(settings, "Networks", "NetworkSettings.Networks");
  c.network_settings_networks = networks;
  for (const auto& [name, n] : networks.items()) {
    const std::string path = "NetworkSettings.Networks." + name;
    if (!n.is_object()) {
      r.fail(path, "an object");
      return;
    }
    NetworkAttachment a;
    a.name = name;
    a.network_id = r.str(n, "NetworkID", path + ".NetworkID");
    a.ip_address = r.str(n, "IPAddress", path + ".IPAddress");
    a.global_ipv6_address = r.str(n, "GlobalIPv6Address", path + ".GlobalIPv6Address");
    a.aliases = r.strings(n, "Aliases", path + ".Aliases");
    c.networks.push_back(std::move(a));
  }
}

void read_mounts(JsonReader& r, const json& doc, ContainerInspect& c) {
  const json* mounts = r.field(doc, "Mounts");
  if (mounts == nullptr) return;
  if (!mounts->is_array()) {
    r.fail("Mounts", "a list");
    return;
  }
  for (const auto& m : *mounts) {
    if (!m.is_object()) {
      r.fail("Mounts", "a list of objects");
      return;
    }
    MountPoint p;
    p.type = r.str(m, "Type", "Mounts.Type");
    p.name = r.str(m, "Name", "Mounts.Name");
    p.source = r.str(m, "Source", "Mounts.Source");
    p.destination = r.str(m, "Destination", "Mounts.Destination");
    p.rw = r.field(m, "RW") == nullptr || r.boolean(m, "RW", "Mounts.RW");
    c.mounts.push_back(std::move(p));
  }
}

}  // namespace

model::Result<std::vector<ContainerSummary>> parse_container_list(std::string_view text) {
  const std::string doc = "GET /containers/json";
  auto value = parse_json(text, doc);
  if (!value) return value.error();
  if (!value->is_array()) return model::Error::terminal(doc + ": expected a list of containers");
  JsonReader r(doc);
  std::vector<ContainerSummary> out;
  std::size_t i = 0;
  for (const auto& item : *value) {
    const std::string path = "[" + std::to_string(i++) + "]";
    if (!item.is_object()) {
      r.fail(path, "an object");
      break;
    }
    out.push_back(read_summary(r, item, path));
    if (!r.ok()) break;
  }
  if (!r.ok()) return r.error();
  return out;
}

model::Result<ContainerInspect> parse_container_inspect(std::string_view text) {
  const std::string doc = "GET /containers/{id}/json";
  auto value = parse_json(text, doc);
  if (!value) return value.error();
  const json& d = *value;
  if (!d.is_object()) return model::Error::terminal(doc + ": expected an object");
  JsonReader r(doc);
  ContainerInspect c;
  c.id = r.str(d, "Id", "Id");
  c.name = strip_slash(r.str(d, "Name", "Name"));
  c.image_id = r.str(d, "Image", "Image");
  c.created = r.str(d, "Created", "Created");

  const json& config = r.object(d, "Config", "Config");
  c.config = config;
  c.image = r.str(config, "Image", "Config.Image");
  c.env = r.strings(config, "Env", "Config.Env");
  c.labels = r.string_map(config, "Labels", "Config.Labels");

  const json& state = r.object(d, "State", "State");
  c.status = r.str(state, "Status", "State.Status");
  c.running = r.boolean(state, "Running", "State.Running");
  c.exit_code = static_cast<int>(std::clamp<std::int64_t>(
      r.integer(state, "ExitCode", "State.ExitCode"), INT32_MIN, INT32_MAX));
  const json& health = r.object(state, "Health", "State.Health");
  c.health = r.str(health, "Status", "State.Health.Status");

  const json& host = r.object(d, "HostConfig", "HostConfig");
  c.host_config = host;
  c.network_mode = r.str(host, "NetworkMode", "HostConfig.NetworkMode");

  const json& settings = r.object(d, "NetworkSettings", "NetworkSettings");
  read_ports(r, settings, c);
  read_networks(r, settings, c);
  read_mounts(r, d, c);

  if (r.ok() && c.id.empty()) r.fail("Id", "a container id");
  if (!r.ok()) return r.error();
  return c;
}

model::Result<std::string> parse_create_response(std::string_view text) {
  const std::string doc = "POST /containers/create";
  auto value = parse_json(text, doc);
  if (!value) return value.error();
  if (!value->is_object()) return model::Error::terminal(doc + ": expected an object");
  JsonReader r(doc);
  std::string id = r.str(*value, "Id", "Id");
  if (r.ok() && id.empty()) r.fail("Id", "a container id");
  if (!r.ok()) return r.error();
  return id;
}

}  // namespace rwd::docker
