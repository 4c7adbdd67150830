// The create document of a replacement container (pure).

#include "rewind/docker/replacement.hpp"

#include <algorithm>
#include <set>

namespace rwd::docker {
namespace {

using nlohmann::json;
namespace label = execute::label;

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// A field equal to the image's: absent/null/empty on both sides counts as equal.
bool same_as_image(const json& config, const json& image, const char* key) {
  const json* a = member(config, key);
  const json* b = member(image, key);
  const auto blank = [](const json* v) { return v == nullptr || v->is_null() || v->empty(); };
  if (blank(a) && blank(b)) return true;
  return a != nullptr && b != nullptr && *a == *b;
}

json* member(json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

void drop_image_defaults(json& body, const json& image) {
  // Env entries and labels the old image set.
  const json* image_env = member(image, "Env");
  json* env = member(body, "Env");
  if (image_env != nullptr && image_env->is_array() && env != nullptr && env->is_array()) {
    json kept = json::array();
    for (const auto& e : *env) {
      if (std::find(image_env->begin(), image_env->end(), e) == image_env->end()) {
        kept.push_back(e);
      }
    }
    *env = kept;
  }
  const json* image_labels = member(image, "Labels");
  json* labels = member(body, "Labels");
  if (image_labels != nullptr && image_labels->is_object() && labels != nullptr &&
      labels->is_object()) {
    for (const auto& [k, v] : image_labels->items()) {
      const auto it = labels->find(k);
      if (it != labels->end() && *it == v) labels->erase(it);
    }
  }
  // Command: an entrypoint of the container's own keeps its command as is
  // (the Engine does not merge the image's command then).
  const bool own_entrypoint = !same_as_image(body, image, "Entrypoint");
  if (!own_entrypoint) {
    body.erase("Entrypoint");
    if (same_as_image(body, image, "Cmd")) body.erase("Cmd");
  }
  for (const char* key :
       {"WorkingDir", "User", "StopSignal", "Shell", "Healthcheck", "OnBuild", "ArgsEscaped"}) {
    if (same_as_image(body, image, key)) body.erase(key);
  }
  for (const char* key : {"ExposedPorts", "Volumes"}) {
    const json* theirs = member(image, key);
    if (theirs == nullptr || !theirs->is_object() || !body.contains(key)) continue;
    json& mine = body[key];
    if (!mine.is_object()) continue;
    for (const auto& [k, v] : theirs->items()) mine.erase(k);
    if (mine.empty()) body.erase(key);
  }
}

std::set<std::string> split_keys(const std::string& text) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string key = text.substr(start, end - start);
    key.erase(0, key.find_first_not_of(" \t"));
    key.erase(key.find_last_not_of(" \t") + 1);
    if (!key.empty()) out.insert(key);
    start = end + 1;
  }
  return out;
}

// Destination of a bind "src:dst[:opts]".
std::string bind_destination(const std::string& bind) {
  const auto first = bind.find(':');
  if (first == std::string::npos) return bind;
  const auto second = bind.find(':', first + 1);
  const auto length = second == std::string::npos ? std::string::npos : second - first - 1;
  return bind.substr(first + 1, length);
}

void keep_anonymous_volumes(json& host, const ContainerInspect& old) {
  std::set<std::string> covered;
  if (const json* binds = member(host, "Binds"); binds != nullptr && binds->is_array()) {
    for (const auto& b : *binds) {
      if (b.is_string()) covered.insert(bind_destination(b.get<std::string>()));
    }
  }
  const auto volume_at = [&old](const std::string& target) -> const MountPoint* {
    for (const auto& m : old.mounts) {
      if (m.type == "volume" && m.destination == target && !m.name.empty()) return &m;
    }
    return nullptr;
  };
  json mounts = json::array();
  if (const json* m = member(host, "Mounts"); m != nullptr && m->is_array()) mounts = *m;
  for (auto& m : mounts) {
    if (!m.is_object()) continue;
    const std::string target = m.value("Target", std::string());
    covered.insert(target);
    const bool anonymous =
        m.value("Type", std::string()) == "volume" && m.value("Source", std::string()).empty();
    if (anonymous) {
      if (const MountPoint* old_volume = volume_at(target)) m["Source"] = old_volume->name;
    }
  }
  for (const auto& m : old.mounts) {
    if (m.type != "volume" || m.name.empty() || covered.count(m.destination) != 0) continue;
    mounts.push_back(json{
        {"Type", "volume"}, {"Source", m.name}, {"Target", m.destination}, {"ReadOnly", !m.rw}});
    covered.insert(m.destination);
  }
  if (!mounts.empty()) host["Mounts"] = mounts;
}

}  // namespace

json endpoint_settings(const json& network, const std::string& container_id) {
  json out = json::object();
  for (const char* key : {"IPAMConfig", "Links", "DriverOpts"}) {
    const json* v = member(network, key);
    if (v != nullptr && !v->is_null() && !v->empty()) out[key] = *v;
  }
  if (const json* aliases = member(network, "Aliases"); aliases != nullptr && aliases->is_array()) {
    const std::string short_id = container_id.substr(0, 12);
    json kept = json::array();
    for (const auto& a : *aliases) {
      if (!a.is_string()) continue;
      const auto& s = a.get_ref<const std::string&>();
      if (s == short_id || s == container_id) continue;  // the Engine adds the new one itself
      kept.push_back(a);
    }
    if (!kept.empty()) out["Aliases"] = kept;
  }
  return out;
}

std::vector<std::string> apply_managed_env(const std::vector<std::string>& current,
                                           const std::string& old_managed_label,
                                           const std::map<std::string, std::string>& env) {
  const std::set<std::string> old_managed = split_keys(old_managed_label);
  std::set<std::string> written;
  std::vector<std::string> out;
  for (const auto& entry : current) {
    const std::string key = entry.substr(0, entry.find('='));
    const auto it = env.find(key);
    if (it != env.end()) {
      if (written.insert(key).second) out.push_back(key + "=" + it->second);
      continue;
    }
    if (old_managed.count(key) != 0) continue;
    out.push_back(entry);
  }
  for (const auto& [key, value] : env) {
    if (written.count(key) == 0) out.push_back(key + "=" + value);
  }
  return out;
}

model::Result<Replacement> build_replacement(const ContainerInspect& old,
                                             const std::optional<nlohmann::json>& old_image_config,
                                             const execute::ContainerChange& change) {
  const std::string who =
      "replacement of container " + old.name + " (" + old.id.substr(0, 12) + ")";
  if (change.image.value().empty()) return model::Error::invalid_spec(who + ": no image");
  if (!old.config.is_object() || !old.host_config.is_object()) {
    return model::Error::terminal(who + ": the old container has no Config or HostConfig");
  }
  for (const auto& [key, value] : change.env) {
    if (key.empty() || key.find('=') != std::string::npos) {
      return model::Error::invalid_spec(who + ": env: \"" + key + "\" is not a variable name");
    }
  }

  Replacement out;
  json body = old.config;
  if (old.id.size() >= 12 && body.value("Hostname", std::string()) == old.id.substr(0, 12)) {
    body.erase("Hostname");  // the Engine's default: the old container's id
  }
  if (old_image_config && old_image_config->is_object()) {
    drop_image_defaults(body, *old_image_config);
  }
  body["Image"] = change.image.value();

  std::vector<std::string> env;
  if (body.contains("Env") && body["Env"].is_array()) {
    for (const auto& e : body["Env"]) {
      if (e.is_string()) env.push_back(e.get<std::string>());
    }
  }
  const auto managed = old.labels.find(label::kManagedEnv);
  std::string managed_keys = managed == old.labels.end() ? "" : managed->second;
  for (const auto& key : change.managed_before) managed_keys += "," + key;
  body["Env"] = apply_managed_env(env, managed_keys, change.env);

  json labels =
      body.contains("Labels") && body["Labels"].is_object() ? body["Labels"] : json::object();
  for (const auto& [key, value] : change.labels) labels[key] = value;
  std::string keys;
  for (const auto& [key, value] : change.env) keys += (keys.empty() ? "" : ",") + key;
  labels[label::kManagedEnv] = keys;
  body["Labels"] = labels;

  json host = old.host_config;
  keep_anonymous_volumes(host, old);
  if (change.publish_loopback) {
    json bindings = json::object();
    json exposed = body.contains("ExposedPorts") && body["ExposedPorts"].is_object()
                       ? body["ExposedPorts"]
                       : json::object();
    for (const int port : *change.publish_loopback) {
      if (port < 1 || port > 65535) {
        return model::Error::invalid_spec(who + ": port " + std::to_string(port) +
                                          " is not within 1..65535");
      }
      const std::string key = std::to_string(port) + "/tcp";
      bindings[key] = json::array({json{{"HostIp", "127.0.0.1"}, {"HostPort", ""}}});
      exposed[key] = json::object();
    }
    host["PortBindings"] = bindings;
    host["PublishAllPorts"] = false;
    if (!exposed.empty()) body["ExposedPorts"] = exposed;
  }
  body["HostConfig"] = host;

  const std::string& mode = old.network_mode;
  const json& networks = old.network_settings_networks;
  const bool own_stack = mode == "host" || mode == "none" || mode.rfind("container:", 0) == 0;
  if (!own_stack && networks.is_object() && !networks.empty()) {
    std::string primary = networks.begin().key();
    if (networks.contains(mode)) {
      primary = mode;
    } else if ((mode.empty() || mode == "default") && networks.contains("bridge")) {
      primary = "bridge";
    }
    body["NetworkingConfig"] =
        json{{"EndpointsConfig", {{primary, endpoint_settings(networks[primary], old.id)}}}};
    for (const auto& [name, settings] : networks.items()) {
      if (name == primary) continue;
      out.extra_networks.emplace_back(name, endpoint_settings(settings, old.id));
    }
  }
  out.create_body = std::move(body);
  return out;
}

}  // namespace rwd::docker
