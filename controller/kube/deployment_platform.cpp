// Deployments as the executor's containers: read, patched, scaled.

#include "rewind/kube/deployment_platform.hpp"

#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "rewind/model/time.hpp"

namespace rwd::kube {
namespace {

struct DeploymentId {
  std::string ns;
  std::string name;
  std::string container;  // empty: the first
};

// "namespace/name/container" (container may be empty).
std::string id_string(const DeploymentId& d) { return d.ns + "/" + d.name + "/" + d.container; }

model::Result<DeploymentId> parse_id(const std::string& id) {
  const auto a = id.find('/');
  const auto b = a == std::string::npos ? a : id.find('/', a + 1);
  if (a == std::string::npos || b == std::string::npos) {
    return model::Error::terminal("\"" + id + "\" is not a Deployment id (namespace/name/container)");
  }
  return DeploymentId{id.substr(0, a), id.substr(a + 1, b - a - 1), id.substr(b + 1)};
}

model::Result<DeploymentId> id_of_target(const model::Target& target) {
  if (!target.kubernetes) {
    return model::Error::terminal("the Kubernetes platform serves only target.kubernetes");
  }
  const auto& k = *target.kubernetes;
  return DeploymentId{k.ns.empty() ? std::string(model::kDefaultNamespace) : k.ns, k.deployment,
                      k.container};
}

// The index of the target container in spec.template.spec.containers.
model::Result<std::size_t> container_index(const Json& deployment, const std::string& container) {
  const Json* cs = nullptr;
  try {
    cs = &deployment.at("spec").at("template").at("spec").at("containers");
  } catch (const Json::exception&) {
    return model::Error::terminal("Deployment " + meta_string(deployment, "name") +
                                  " has no containers");
  }
  if (!cs->is_array() || cs->empty()) {
    return model::Error::terminal("Deployment " + meta_string(deployment, "name") +
                                  " has no containers");
  }
  if (container.empty()) return std::size_t{0};
  std::string names;
  for (std::size_t i = 0; i < cs->size(); ++i) {
    const std::string n = (*cs)[i].value("name", "");
    if (n == container) return i;
    names += (names.empty() ? "" : ", ") + n;
  }
  return model::Error::invalid_spec("spec.target.kubernetes.container: \"" + container +
                                    "\" is not a container of Deployment " +
                                    meta_string(deployment, "name") + " (it has " + names + ")");
}

std::int64_t int_at(const Json& j, const char* key, std::int64_t fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

std::int64_t replicas_of(const Json& deployment) {
  return int_at(deployment.value("spec", Json::object()), "replicas", 1);
}

execute::HealthStatus rollout_health(const Json& d) {
  const Json status = d.value("status", Json::object());
  const std::int64_t generation = int_at(d.value("metadata", Json::object()), "generation", 0);
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == "Progressing" && c.value("status", "") == "False") {
      return execute::HealthStatus::kUnhealthy;  // ProgressDeadlineExceeded
    }
  }
  if (int_at(status, "observedGeneration", 0) < generation) return execute::HealthStatus::kStarting;
  const std::int64_t want = replicas_of(d);
  const std::int64_t updated = int_at(status, "updatedReplicas", 0);
  const std::int64_t available = int_at(status, "availableReplicas", 0);
  const std::int64_t total = int_at(status, "replicas", 0);
  if (updated >= want && available >= want && total <= want) return execute::HealthStatus::kHealthy;
  return execute::HealthStatus::kStarting;
}

std::optional<model::Timestamp> created_of(const Json& d) {
  const std::string ts = meta_string(d, "creationTimestamp");
  if (ts.empty()) return std::nullopt;
  auto t = model::parse_timestamp(ts);
  if (!t) return std::nullopt;
  return *t;
}

// The env keys rewind set before: the change's list and the old
// revision's kManagedEnv annotation (comma-separated).
std::set<std::string> managed_keys(const execute::Instance& from,
                                   const execute::ContainerChange& change) {
  std::set<std::string> managed(change.managed_before.begin(), change.managed_before.end());
  auto it = from.labels.find(execute::label::kManagedEnv);
  if (it == from.labels.end()) return managed;
  std::istringstream keys(it->second);
  for (std::string k; std::getline(keys, k, ',');) {
    if (!k.empty()) managed.insert(k);
  }
  return managed;
}

// The container's env with rewind's variables set (in place where they
// were), the ones it set before and no longer does removed, and everything
// else (valueFrom, the operator's) kept.
Json merged_env(const Json& current, const std::map<std::string, std::string>& set,
                const std::set<std::string>& managed) {
  Json env = Json::array();
  std::set<std::string> written;
  for (const auto& e : current) {
    const std::string name = e.value("name", "");
    if (auto v = set.find(name); v != set.end()) {
      env.push_back(Json{{"name", name}, {"value", v->second}});
      written.insert(name);
    } else if (managed.count(name) == 0) {
      env.push_back(e);
    }
  }
  for (const auto& [k, v] : set) {
    if (written.count(k) == 0) env.push_back(Json{{"name", k}, {"value", v}});
  }
  return env;
}

// Every key of `want` is in `have` with the same value.
bool has_all(const Json& have, const Json& want) {
  for (const auto& [k, v] : want.items()) {
    if (!have.contains(k) || have[k] != v) return false;
  }
  return true;
}

}  // namespace

execute::Instance instance_of(const Json& deployment, const std::string& container) {
  execute::Instance out;
  out.name = meta_string(deployment, "name");
  out.id = id_string({meta_string(deployment, "namespace"), out.name, container});
  auto idx = container_index(deployment, container);
  if (idx) {
    const Json& c = deployment["spec"]["template"]["spec"]["containers"][*idx];
    out.image = model::ImageRef(c.value("image", ""));
    for (const auto& e : c.value("env", Json::array())) {
      if (e.contains("name") && e.contains("value") && e["value"].is_string()) {
        out.env[e["name"].get<std::string>()] = e["value"].get<std::string>();
      }
    }
  }
  const Json annotations = deployment.value("spec", Json::object())
                               .value("template", Json::object())
                               .value("metadata", Json::object())
                               .value("annotations", Json::object());
  for (const auto& [k, v] : annotations.items()) {
    if (k.rfind("rewind.dev/", 0) == 0 && v.is_string()) out.labels[k] = v.get<std::string>();
  }
  out.running = replicas_of(deployment) > 0;
  out.health = rollout_health(deployment);
  if (auto t = created_of(deployment)) out.created = *t;
  return out;
}

model::Result<Json> DeploymentPlatform::get(const std::string& id) {
  auto d = parse_id(id);
  if (!d) return d.error();
  return api_.get(path_of(kDeployments, d->ns, d->name));
}

model::Result<std::vector<execute::Instance>> DeploymentPlatform::list(
    const model::Target& target) {
  auto d = id_of_target(target);
  if (!d) return d.error();
  auto got = api_.get(path_of(kDeployments, d->ns, d->name));
  if (!got) {
    if (got.error().reason == "NotFound") return std::vector<execute::Instance>{};
    return got.error();
  }
  if (auto idx = container_index(*got, d->container); !idx) return idx.error();
  return std::vector<execute::Instance>{instance_of(*got, d->container)};
}

model::Result<execute::Instance> DeploymentPlatform::inspect(const std::string& id) {
  auto d = parse_id(id);
  if (!d) return d.error();
  auto got = api_.get(path_of(kDeployments, d->ns, d->name));
  if (!got) return got.error();
  return instance_of(*got, d->container);
}

// The kubelet pulls; rewind cannot see a node's images.
model::Result<bool> DeploymentPlatform::image_present(const model::ImageRef&) { return true; }
model::Status DeploymentPlatform::ensure_image(const model::ImageRef&) { return {}; }

model::Result<std::string> DeploymentPlatform::create_replacement(
    const execute::Instance& from, const execute::ContainerChange& change) {
  auto id = parse_id(from.id);
  if (!id) return id.error();
  if (!change.name.empty() && execute::canonical_name(change.name) != from.name) {
    return model::Error::terminal(
        "a second Deployment beside " + from.name + " (blue-green, canary) is not supported on "
        "Kubernetes yet; use strategy Recreate");
  }
  const std::string path = path_of(kDeployments, id->ns, id->name);
  const std::set<std::string> managed = managed_keys(from, change);
  Json annotations = Json::object();
  for (const auto& [k, v] : change.labels) annotations[k] = v;
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto got = api_.get(path);
    if (!got) return got.error();
    auto idx = container_index(*got, id->container);
    if (!idx) return idx.error();
    const Json& template_ = (*got)["spec"]["template"];
    Json containers = template_["spec"]["containers"];
    Json& c = containers[*idx];
    c["image"] = change.image.value();
    Json env = merged_env(c.value("env", Json::array()), change.env, managed);
    if (env.empty()) {
      c.erase("env");
    } else {
      c["env"] = std::move(env);
    }
    if (c == template_["spec"]["containers"][*idx] &&
        has_all(template_.value("metadata", Json::object()).value("annotations", Json::object()),
                annotations)) {
      return from.id;  // nothing differs: no write
    }
    Json patch = {{"metadata", {{"resourceVersion", meta_string(*got, "resourceVersion")}}},
                  {"spec",
                   {{"template",
                     {{"metadata", {{"annotations", annotations}}},
                      {"spec", {{"containers", containers}}}}}}}};
    auto patched = api_.patch(path, patch, PatchType::kMerge);
    if (patched) {
      ++patches_;
      return from.id;
    }
    if (patched.error().reason != "Conflict") return patched.error();
  }
  return model::Error::transient("Deployment " + id->ns + "/" + id->name +
                                 ": not patched after 4 conflicts (it keeps changing)");
}

model::Result<std::string> DeploymentPlatform::create_for_service(
    const model::Target& target, const execute::ContainerChange&) {
  auto d = id_of_target(target);
  if (!d) return d.error();
  return model::Error::terminal("Deployment " + d->ns + "/" + d->name +
                                " does not exist: rewind changes an existing Deployment's image "
                                "and configuration; create the Deployment first");
}

model::Status DeploymentPlatform::scale(const std::string& id, bool up) {
  auto d = parse_id(id);
  if (!d) return d.error();
  const std::string path = path_of(kDeployments, d->ns, d->name);
  auto got = api_.get(path);
  if (!got) return got.error();
  const std::int64_t replicas = replicas_of(*got);
  Json annotations = (*got)["metadata"].value("annotations", Json::object());
  Json patch;
  if (up) {
    if (replicas > 0) return {};
    std::int64_t before = 1;
    if (annotations.contains(kReplicasBeforeStop)) {
      try {
        before = std::max<std::int64_t>(1, std::stoll(annotations[kReplicasBeforeStop].get<std::string>()));
      } catch (const std::exception&) {
        before = 1;
      }
    }
    patch = {{"metadata", {{"annotations", {{kReplicasBeforeStop, nullptr}}}}},
             {"spec", {{"replicas", before}}}};
  } else {
    if (replicas == 0) return {};
    patch = {{"metadata", {{"annotations", {{kReplicasBeforeStop, std::to_string(replicas)}}}}},
             {"spec", {{"replicas", 0}}}};
  }
  patch["metadata"]["resourceVersion"] = meta_string(*got, "resourceVersion");
  auto patched = api_.patch(path, patch, PatchType::kMerge);
  if (!patched) return patched.error();
  ++patches_;
  return {};
}

model::Status DeploymentPlatform::start(const std::string& id) { return scale(id, true); }
model::Status DeploymentPlatform::stop(const std::string& id, std::chrono::seconds) {
  return scale(id, false);
}
// A Deployment is changed in place: there is never an old one to remove or rename.
model::Status DeploymentPlatform::remove(const std::string&) { return {}; }
model::Status DeploymentPlatform::rename(const std::string&, const std::string&) { return {}; }

model::Result<std::string> DeploymentPlatform::address(const std::string& id, int) {
  return model::Error::terminal("Deployment " + id +
                                ": health comes from its rollout status (readiness probes); "
                                "rewind does not probe pods on Kubernetes");
}

model::Result<execute::CommandOutput> DeploymentPlatform::run_once(
    const execute::OneOffCommand&) {
  return model::Error::terminal(
      "migrations and smoke commands in the image are not supported on Kubernetes yet");
}

}  // namespace rwd::kube
