// Snapshots of a compose service's container and their JSON form (pure).

#include "rewind/docker/snapshot.hpp"

#include "rewind/docker/replacement.hpp"
#include "rewind/execute/platform.hpp"

namespace rwd::docker {
namespace {

using nlohmann::json;
namespace label = execute::label;

std::string label_of(const ContainerInspect& c, const char* key) {
  const auto it = c.labels.find(key);
  return it == c.labels.end() ? std::string() : it->second;
}

bool valid_mount(const json& m) {
  if (!m.is_object()) return false;
  const auto string_field = [&m](const char* key, bool required) {
    const auto it = m.find(key);
    return it == m.end() ? !required : it->is_string();
  };
  const auto rw = m.find("rw");
  return string_field("type", true) && string_field("destination", true) &&
         string_field("name", false) && string_field("source", false) &&
         (rw == m.end() || rw->is_boolean());
}

// Reads the fields of a snapshot document, remembering the first problem.
class Reader {
 public:
  Reader(const json& doc, std::string what) : doc_(doc), what_(std::move(what)) {}

  std::string str(const char* key, bool required = true) {
    const auto it = doc_.find(key);
    if (it == doc_.end() && !required) return "";
    if (it == doc_.end() || !it->is_string()) {
      fail(key, "a string");
      return "";
    }
    return it->get<std::string>();
  }
  json object(const char* key) {
    const auto it = doc_.find(key);
    if (it == doc_.end() || !it->is_object()) {
      fail(key, "an object");
      return json::object();
    }
    return *it;
  }
  std::vector<MountPoint> mounts() {
    std::vector<MountPoint> out;
    const auto it = doc_.find("mounts");
    if (it == doc_.end()) return out;
    if (!it->is_array()) {
      fail("mounts", "a list");
      return out;
    }
    for (const auto& m : *it) {
      if (!valid_mount(m)) {
        fail("mounts", "a list of {type, name, source, destination, rw}");
        return out;
      }
      out.push_back({m.value("type", ""), m.value("name", ""), m.value("source", ""),
                     m.value("destination", ""), m.value("rw", true)});
    }
    return out;
  }
  std::optional<json> image_config() {
    const auto it = doc_.find("imageConfig");
    if (it == doc_.end() || it->is_null()) return std::nullopt;
    if (!it->is_object()) {
      fail("imageConfig", "an object");
      return std::nullopt;
    }
    return *it;
  }
  [[nodiscard]] const std::optional<model::Error>& error() const { return error_; }

 private:
  void fail(const char* key, const char* expected) {
    if (!error_) {
      error_ = model::Error::terminal(what_ + ": " + key + ": expected " + expected);
    }
  }
  const json& doc_;
  std::string what_;
  std::optional<model::Error> error_;
};

}  // namespace

std::optional<ServiceSnapshot> take_snapshot(const ContainerInspect& c,
                                             std::optional<nlohmann::json> image_config) {
  ServiceSnapshot s;
  s.project = label_of(c, label::kComposeProject);
  s.service = label_of(c, label::kComposeService);
  const bool oneoff = label_of(c, label::kComposeOneOff) == "True";
  if (s.project.empty() || s.service.empty() || oneoff) return std::nullopt;
  s.container_id = c.id;
  s.name = execute::canonical_name(c.name);
  s.config = c.config;
  s.host_config = c.host_config;
  s.network_mode = c.network_mode;
  s.networks = json::object();
  if (c.network_settings_networks.is_object()) {
    for (const auto& [name, endpoint] : c.network_settings_networks.items()) {
      s.networks[name] = endpoint_settings(endpoint, c.id);
    }
  }
  s.mounts = c.mounts;
  s.image_config = std::move(image_config);
  return s;
}

ContainerInspect as_container(const ServiceSnapshot& s) {
  ContainerInspect c;
  c.id = s.container_id;
  c.name = s.name;
  c.config = s.config;
  c.image = s.config.value("Image", std::string());
  if (const auto it = s.config.find("Labels"); it != s.config.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) c.labels[k] = v.get<std::string>();
    }
  }
  c.host_config = s.host_config;
  c.network_mode = s.network_mode;
  c.network_settings_networks = s.networks;
  c.mounts = s.mounts;
  return c;
}

nlohmann::json to_json(const ServiceSnapshot& s) {
  json mounts = json::array();
  for (const auto& m : s.mounts) {
    mounts.push_back({{"type", m.type},
                      {"name", m.name},
                      {"source", m.source},
                      {"destination", m.destination},
                      {"rw", m.rw}});
  }
  json j = {{"project", s.project},
            {"service", s.service},
            {"container", s.container_id},
            {"name", s.name},
            {"networkMode", s.network_mode},
            {"config", s.config},
            {"hostConfig", s.host_config},
            {"networks", s.networks},
            {"mounts", mounts}};
  if (s.image_config) j["imageConfig"] = *s.image_config;
  return j;
}

model::Result<ServiceSnapshot> snapshot_from_json(const nlohmann::json& j,
                                                  const std::string& what) {
  if (!j.is_object()) return model::Error::terminal(what + ": expected an object");
  Reader r(j, what);
  ServiceSnapshot s;
  s.project = r.str("project");
  s.service = r.str("service");
  s.container_id = r.str("container");
  s.name = r.str("name");
  s.network_mode = r.str("networkMode", false);
  s.config = r.object("config");
  s.host_config = r.object("hostConfig");
  s.networks = r.object("networks");
  s.mounts = r.mounts();
  s.image_config = r.image_config();
  if (r.error()) return *r.error();
  return s;
}

}  // namespace rwd::docker
