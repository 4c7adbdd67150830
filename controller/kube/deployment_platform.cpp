// Deployments as the executor's containers: read, patched, scaled.

#include "rewind/kube/deployment_platform.hpp"

#include <algorithm>
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
    return model::Error::terminal("\"" + id +
                                  "\" is not a Deployment id (namespace/name/container)");
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

// The target container with the change's image and env.
void apply_change(Json& container, const execute::ContainerChange& change,
                  const std::set<std::string>& managed) {
  container["image"] = change.image.value();
  Json env = merged_env(container.value("env", Json::array()), change.env, managed);
  if (env.empty()) {
    container.erase("env");
  } else {
    container["env"] = std::move(env);
  }
}

// A copy of `source` named `name`: zero replicas (the source's count kept
// for start()), its own selector label, rewind's pod-template annotations
// replaced by the change's, the target container changed.
Json copy_of(const Json& source, const std::string& name, const std::string& original,
             std::size_t container, const execute::ContainerChange& change,
             const std::set<std::string>& managed) {
  const Json& meta = source["metadata"];
  Json labels = meta.value("labels", Json::object());
  labels[kCopyOf] = original;
  Json copy = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata",
       {{"name", name},
        {"namespace", meta_string(source, "namespace")},
        {"labels", labels},
        {"annotations", {{kReplicasBeforeStop, std::to_string(replicas_when_running(source))}}}}},
      {"spec", source["spec"]}};
  Json& spec = copy["spec"];
  spec["replicas"] = 0;
  spec["selector"]["matchLabels"][kPodsOf] = name;
  Json& template_meta = spec["template"]["metadata"];
  template_meta["labels"][kPodsOf] = name;
  Json annotations = Json::object();
  const Json before = template_meta.value("annotations", Json::object());
  for (const auto& [k, v] : before.items()) {
    if (k.rfind("rewind.dev/", 0) != 0) annotations[k] = v;
  }
  for (const auto& [k, v] : change.labels) annotations[k] = v;
  template_meta["annotations"] = annotations;
  apply_change(spec["template"]["spec"]["containers"][container], change, managed);
  return copy;
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

std::int64_t replicas_when_running(const Json& d) {
  const std::int64_t replicas = replicas_of(d);
  if (replicas > 0) return replicas;
  const Json annotations = d.value("metadata", Json::object()).value("annotations", Json::object());
  if (auto it = annotations.find(kReplicasBeforeStop); it != annotations.end() && it->is_string()) {
    try {
      return std::max<std::int64_t>(1, std::stoll(it->get<std::string>()));
    } catch (const std::exception&) {
      return 1;
    }
  }
  return 1;
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
  std::vector<execute::Instance> out;
  auto got = api_.get(path_of(kDeployments, d->ns, d->name));
  if (got) {
    if (auto idx = container_index(*got, d->container); !idx) return idx.error();
    out.push_back(instance_of(*got, d->container));
  } else if (got.error().reason != "NotFound") {
    return got.error();
  }
  auto copies =
      api_.list(path_of(kDeployments, d->ns) + label_selector_query({{kCopyOf, d->name}}));
  if (!copies) return copies.error();
  for (const Json& c : copies->items) {
    if (container_index(c, d->container)) out.push_back(instance_of(c, d->container));
  }
  return out;
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
  if (change.beside && !change.name.empty() && change.name != id->name) {
    return create_copy(from, change);
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
    apply_change(c, change, managed);
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

model::Result<std::string> DeploymentPlatform::create_copy(const execute::Instance& from,
                                                           const execute::ContainerChange& change) {
  auto id = parse_id(from.id);
  if (!id) return id.error();
  auto source = api_.get(path_of(kDeployments, id->ns, id->name));
  if (!source) return source.error();
  auto idx = container_index(*source, id->container);
  if (!idx) return idx.error();
  const Json labels = (*source)["metadata"].value("labels", Json::object());
  const std::string original = labels.value(kCopyOf, id->name);
  const Json copy =
      copy_of(*source, change.name, original, *idx, change, managed_keys(from, change));
  const DeploymentId copy_id{id->ns, change.name, id->container};
  auto created = api_.create(path_of(kDeployments, id->ns), copy);
  if (created) {
    ++patches_;
    return id_string(copy_id);
  }
  if (created.error().reason != "AlreadyExists") return created.error();
  // A copy of that name exists (stopped: the executor never replaces what
  // serves): it becomes this one, selector and all.
  const std::string path = path_of(kDeployments, id->ns, change.name);
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto existing = api_.get(path);
    if (!existing) return existing.error();
    if ((*existing)["metadata"].value("labels", Json::object()).value(kCopyOf, "") != original) {
      return model::Error::terminal(
          "Deployment " + id->ns + "/" + change.name + " exists and is not a copy rewind made of " +
          original + " (no label " + kCopyOf + "=" + original + "); rename it or delete it");
    }
    Json body = copy;
    body["metadata"]["resourceVersion"] = meta_string(*existing, "resourceVersion");
    if ((*existing)["spec"].value("selector", Json()) != copy["spec"]["selector"]) {
      // The selector cannot change: delete and create again.
      if (auto st = api_.remove(path); !st) return st.error();
      created = api_.create(path_of(kDeployments, id->ns), copy);
      if (!created) return created.error();
      ++patches_;
      return id_string(copy_id);
    }
    auto replaced = api_.replace(path, body);
    if (replaced) {
      ++patches_;
      return id_string(copy_id);
    }
    if (replaced.error().reason != "Conflict") return replaced.error();
  }
  return model::Error::transient("Deployment " + id->ns + "/" + change.name +
                                 ": not replaced after 4 conflicts (it keeps changing)");
}

model::Result<std::string> DeploymentPlatform::create_for_service(const model::Target& target,
                                                                  const execute::ContainerChange&) {
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
  Json patch;
  if (up) {
    if (replicas > 0) return {};
    patch = {{"metadata", {{"annotations", {{kReplicasBeforeStop, nullptr}}}}},
             {"spec", {{"replicas", replicas_when_running(*got)}}}};
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
// Copies are deleted; the operator's Deployment never is.
model::Status DeploymentPlatform::remove(const std::string& id) {
  auto d = parse_id(id);
  if (!d) return d.error();
  auto got = get(id);
  if (!got) return got.error().reason == "NotFound" ? model::Status{} : model::Status{got.error()};
  if (!(*got)["metadata"].value("labels", Json::object()).contains(kCopyOf)) return {};
  auto st = api_.remove(path_of(kDeployments, d->ns, d->name));
  if (!st && st.error().reason != "NotFound") return st;
  ++patches_;
  return {};
}
// A Deployment keeps its name: a copy is made with the name it needs.
model::Status DeploymentPlatform::rename(const std::string&, const std::string&) { return {}; }

std::string DeploymentPlatform::describe(const execute::Instance& instance) const {
  if (!instance.name.empty()) return "Deployment " + instance.name;
  auto d = parse_id(instance.id);
  return "Deployment " + (d ? d->name : instance.id);
}

std::string backend_address(const std::string& ns, const std::string& name, int port) {
  return name + "." + ns + ":" + std::to_string(port > 0 ? port : 80);
}

model::Result<std::string> DeploymentPlatform::traffic_address(const std::string& id, int port) {
  auto d = parse_id(id);
  if (!d) return d.error();
  return backend_address(d->ns, d->name, port);
}

model::Result<std::string> DeploymentPlatform::address(const std::string& id, int) {
  return model::Error::terminal("Deployment " + id +
                                ": health comes from its rollout status (readiness probes); "
                                "rewind does not probe pods on Kubernetes");
}

model::Result<execute::CommandOutput> DeploymentPlatform::run_once(const execute::OneOffCommand&) {
  return model::Error::terminal(
      "migrations and smoke commands in the image are not supported on Kubernetes yet");
}

}  // namespace rwd::kube
