// A Kubernetes Service's selector as the traffic router (blue-green,
// canary by replica ratio).

#include "rewind/kube/service_router.hpp"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "rewind/kube/deployment_platform.hpp"

namespace rwd::kube {
namespace {

using Labels = std::map<std::string, std::string>;

constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";

std::string key_string(const model::ObjectKey& k) { return k.ns + "/" + k.name; }
std::string svc_string(const ServiceRef& s) { return s.ns + "/" + s.name; }

Labels labels_of(const Json& j) {
  Labels out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

Json annotations_of(const Json& object) {
  return object.value("metadata", Json::object()).value("annotations", Json::object());
}

std::int64_t number_at(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::int64_t spec_replicas(const Json& d) {
  const Json spec = d.value("spec", Json::object());
  auto it = spec.find("replicas");
  return it != spec.end() && it->is_number_integer() ? it->get<std::int64_t>() : 1;
}

Json backends_json(const std::vector<router::Backend>& backends) {
  Json out = Json::array();
  for (const auto& b : backends) {
    out.push_back(Json{{"name", b.name}, {"address", b.address}, {"weight", b.weight}});
  }
  return out;
}

bool is_canary_set(const std::vector<router::Backend>& backends) {
  return std::any_of(backends.begin(), backends.end(), [](const router::Backend& b) {
    return b.name == "stable" || b.name == "canary";
  });
}

const router::Backend* named(const std::vector<router::Backend>& backends, const char* name) {
  for (const auto& b : backends) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Labels shared_labels(const Labels& a, const Labels& b) {
  Labels out;
  for (const auto& [k, v] : a) {
    if (auto it = b.find(k); it != b.end() && it->second == v) out[k] = v;
  }
  return out;
}

std::string format_labels(const Labels& l) {
  std::string s;
  for (const auto& [k, v] : l) s += (s.empty() ? "" : ",") + k + "=" + v;
  return s;
}

}  // namespace

model::Result<ServiceRef> service_of(const model::Release& release) {
  const auto& k = release.spec.target.kubernetes;
  if (!k) {
    return model::Error::terminal("Release " + key_string(release.metadata.key()) +
                                  " is not on Kubernetes: its traffic is not a Service's");
  }
  return ServiceRef{release.metadata.ns, k->service.empty() ? k->deployment : k->service};
}

ServiceRouter::ServiceRouter(Api& api, ServiceResolver resolve, ServiceRouterOptions options)
    : api_(api), resolve_(std::move(resolve)), options_(std::move(options)) {
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

model::Result<Json> ServiceRouter::deployment_of(const ServiceRef& svc, const router::Backend& b) {
  const auto colon = b.address.rfind(':');
  const std::string host = b.address.substr(0, colon);
  const std::string suffix = "." + svc.ns;
  if (host.size() <= suffix.size() ||
      host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return model::Error::invalid_spec("backend " + b.name + ": \"" + b.address +
                                      "\" does not name a Deployment in namespace " + svc.ns +
                                      " (<name>." + svc.ns + ":<port>)");
  }
  const std::string name = host.substr(0, host.size() - suffix.size());
  auto d = api_.get(path_of(kDeployments, svc.ns, name));
  if (!d && d.error().reason == "NotFound") {
    return model::Error::terminal("backend " + b.name + ": Deployment " + svc.ns + "/" + name +
                                  " does not exist");
  }
  return d;
}

// The labels that select a Deployment's pods and no other Deployment's.
model::Result<Labels> ServiceRouter::own_pods(const Json& deployment) {
  const std::string name =
      meta_string(deployment, "namespace") + "/" + meta_string(deployment, "name");
  const Json selector = deployment.value("spec", Json::object()).value("selector", Json::object());
  if (!selector.value("matchExpressions", Json::array()).empty()) {
    return model::Error::terminal("Deployment " + name +
                                  " selects its pods with matchExpressions; a Service selects by "
                                  "labels only, so rewind cannot route to it");
  }
  Labels labels = labels_of(selector.value("matchLabels", Json::object()));
  if (labels.empty()) {
    return model::Error::terminal("Deployment " + name + " has no spec.selector.matchLabels");
  }
  if (labels.contains(kPodsOf)) return labels;  // a copy rewind made
  // The operator's Deployment: its current ReplicaSet's pod-template-hash
  // tells its pods from those of copies, which carry all its labels. Its
  // revision annotation names that ReplicaSet once the Deployment
  // controller has seen the latest spec.
  const Json meta = deployment.value("metadata", Json::object());
  if (number_at(deployment.value("status", Json::object()), "observedGeneration") <
      number_at(meta, "generation")) {
    return model::Error::transient("Deployment " + name +
                                   ": its controller has not seen the latest spec yet");
  }
  const std::string uid = meta_string(deployment, "uid");
  const std::string revision = annotations_of(deployment).value(kRevisionAnnotation, "");
  auto sets = api_.list(path_of(kReplicaSets, meta_string(deployment, "namespace")) +
                        label_selector_query(labels));
  if (!sets) return sets.error();
  for (const Json& rs : sets->items) {
    bool owned = false;
    for (const auto& ref : rs["metadata"].value("ownerReferences", Json::array())) {
      owned = owned || ref.value("uid", "") == uid;
    }
    if (!owned || annotations_of(rs).value(kRevisionAnnotation, "") != revision) continue;
    const std::string hash =
        rs["metadata"].value("labels", Json::object()).value("pod-template-hash", "");
    if (hash.empty()) break;
    labels["pod-template-hash"] = hash;
    return labels;
  }
  return model::Error::transient("Deployment " + name + " has no ReplicaSet of its revision " +
                                 revision + " yet");
}

// Scales a Deployment (one merge patch with its resourceVersion; none when
// it has the count) and, with `await`, waits for that many available
// replicas of its latest generation. Returns the Deployment as last read.
model::Result<Json> ServiceRouter::scale_to(const Json& deployment, std::int64_t replicas,
                                            bool await) {
  const std::string ns = meta_string(deployment, "namespace");
  const std::string name = meta_string(deployment, "name");
  const std::string path = path_of(kDeployments, ns, name);
  Json last = deployment;
  if (spec_replicas(deployment) != replicas) {
    Json patch = {{"metadata",
                   {{"resourceVersion", meta_string(deployment, "resourceVersion")},
                    {"annotations", {{kReplicasBeforeStop, nullptr}}}}},
                  {"spec", {{"replicas", replicas}}}};
    auto patched = api_.patch(path, patch, PatchType::kMerge);
    if (!patched) return patched.error();
    last = std::move(*patched);
    spdlog::info("Deployment {}/{} scaled to {} replica(s)", ns, name, replicas);
  }
  if (!await) return last;
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  std::int64_t available = 0;
  while (true) {
    auto d = api_.get(path);
    if (!d) return d.error();
    const Json status = d->value("status", Json::object());
    available = number_at(status, "availableReplicas");
    const bool current = number_at(status, "observedGeneration") >=
                         number_at(d->value("metadata", Json::object()), "generation");
    if (current && available >= replicas) return *d;
    if (std::chrono::steady_clock::now() >= deadline) break;
    options_.sleep(options_.poll);
  }
  return model::Error::transient(
      "Deployment " + ns + "/" + name + " has " + std::to_string(available) + " of " +
      std::to_string(replicas) + " replica(s) available after " +
      std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(options_.ready_timeout).count()) +
      "s; traffic not moved to it");
}

model::Result<Json> ServiceRouter::write_service(
    const ServiceRef& svc, const model::ObjectKey& release,
    const std::function<model::Status(Json&)>& change) {
  const std::string path = path_of(kServices, svc.ns, svc.name);
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto current = api_.get(path);
    if (!current) {
      if (current.error().reason == "NotFound") {
        return model::Error::terminal("Service " + svc_string(svc) +
                                      " does not exist: blue-green and canary on Kubernetes "
                                      "switch a Service's selector; create it, or name another in "
                                      "spec.target.kubernetes.service");
      }
      return current.error();
    }
    const std::string routed_by = annotations_of(*current).value(kRoutedBy, "");
    if (!routed_by.empty() && routed_by != key_string(release)) {
      return model::Error::terminal("Service " + svc_string(svc) + " is routed by Release " +
                                    routed_by + ", not " + key_string(release));
    }
    Json next = *current;
    if (auto st = change(next); !st) return st.error();
    if (next == *current) return next;
    auto written = api_.replace(path, next);
    if (written) return written;
    if (written.error().reason != "Conflict") return written.error();
  }
  return model::Error::transient("Service " + svc_string(svc) +
                                 ": not written after 4 conflicts (it keeps changing)");
}

model::Status ServiceRouter::set_weights(const model::ObjectKey& release,
                                         const std::vector<router::Backend>& backends) {
  if (auto st = router::validate_release_key(release); !st) return st;
  if (auto st = router::validate_backends(release, backends); !st) return st;
  auto svc = resolve_(release);
  if (!svc) return svc.error();
  auto service = api_.get(path_of(kServices, svc->ns, svc->name));
  if (!service && service.error().reason != "NotFound") return service.error();
  const Json annotations = service ? annotations_of(*service) : Json::object();

  std::vector<const router::Backend*> serving;
  for (const auto& b : backends) {
    if (b.weight > 0) serving.push_back(&b);
  }
  const bool canary = is_canary_set(backends);
  if (!canary && serving.size() != 1) {
    return model::Error::invalid_spec("Release " + key_string(release) +
                                      ": a Service selects "
                                      "one color at a time; " +
                                      std::to_string(serving.size()) + " backends have weight");
  }
  Labels selector;
  std::string kept_replicas;  // the canary's N, while a canary runs
  Json after_switch;          // a Deployment to scale down after the switch
  std::int64_t after_replicas = 0;
  if (serving.size() == 1) {
    auto d = deployment_of(*svc, *serving.front());
    if (!d) return d.error();
    std::int64_t n = spec_replicas(*d);
    if (canary) {
      const std::string saved = annotations.value(kCanaryReplicas, "");
      n = saved.empty() ? replicas_when_running(*d)
                        : std::max<std::int64_t>(1, std::atoll(saved.c_str()));
      if (backends.size() > 1) kept_replicas = std::to_string(n);
    } else if (n == 0) {
      return model::Error::transient("backend " + serving.front()->name + ": Deployment " +
                                     meta_string(*d, "name") +
                                     " runs no replicas; refusing to send traffic to it");
    }
    auto scaled = scale_to(*d, n, true);
    if (!scaled) return scaled.error();
    auto own = own_pods(*scaled);
    if (!own) return own.error();
    selector = std::move(*own);
  } else {
    const router::Backend* stable_b = named(backends, "stable");
    const router::Backend* canary_b = named(backends, "canary");
    if (stable_b == nullptr || canary_b == nullptr || serving.size() != 2) {
      return model::Error::invalid_spec("Release " + key_string(release) +
                                        ": a canary splits traffic between a stable and a canary "
                                        "backend only");
    }
    auto stable_d = deployment_of(*svc, *stable_b);
    if (!stable_d) return stable_d.error();
    auto canary_d = deployment_of(*svc, *canary_b);
    if (!canary_d) return canary_d.error();
    const std::string saved = annotations.value(kCanaryReplicas, "");
    const std::int64_t n = saved.empty() ? replicas_when_running(*stable_d)
                                         : std::max<std::int64_t>(1, std::atoll(saved.c_str()));
    const auto share =
        static_cast<std::int64_t>(std::llround(static_cast<double>(n) * canary_b->weight / 100.0));
    const std::int64_t k = std::clamp<std::int64_t>(share, 1, n);
    const std::int64_t rest = std::max<std::int64_t>(1, n - k);
    if (auto scaled = scale_to(*canary_d, k, true); !scaled) return scaled.error();
    const auto labels_of_selector = [](const Json& d) {
      return labels_of(
          d["spec"].value("selector", Json::object()).value("matchLabels", Json::object()));
    };
    selector = shared_labels(labels_of_selector(*stable_d), labels_of_selector(*canary_d));
    if (selector.empty()) {
      return model::Error::terminal("Deployments " + meta_string(*stable_d, "name") + " and " +
                                    meta_string(*canary_d, "name") +
                                    " share no selector label; a Service cannot select both");
    }
    kept_replicas = std::to_string(n);
    after_switch = *stable_d;
    after_replicas = rest;
    spdlog::info("Release {}: canary weight {}% as {} of {} replica(s) ({} stable)",
                 key_string(release), canary_b->weight, k, n, rest);
  }

  Json want_selector = Json::object();
  for (const auto& [k, v] : selector) want_selector[k] = v;
  auto written = write_service(*svc, release, [&](Json& s) -> model::Status {
    Json& meta = s["metadata"];
    if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
      meta["annotations"] = Json::object();
    }
    Json& a = meta["annotations"];
    if (!a.contains(kSelectorBefore))
      a[kSelectorBefore] = s["spec"].value("selector", Json::object()).dump();
    a[kRoutedBy] = key_string(release);
    a[kBackends] = backends_json(backends).dump();
    if (kept_replicas.empty()) {
      a.erase(kCanaryReplicas);
    } else {
      a[kCanaryReplicas] = kept_replicas;
    }
    s["spec"]["selector"] = want_selector;
    return {};
  });
  if (!written) return written.error();
  if (written->value("spec", Json::object()).value("selector", Json::object()) != want_selector) {
    return model::Error::transient("Service " + svc_string(*svc) + " did not keep the selector " +
                                   format_labels(selector));
  }
  spdlog::info("Service {} selects {}", svc_string(*svc), format_labels(selector));
  if (!after_switch.is_null()) {
    auto fresh = api_.get(path_of(kDeployments, svc->ns, meta_string(after_switch, "name")));
    if (!fresh) return fresh.error();
    if (auto scaled = scale_to(*fresh, after_replicas, false); !scaled) return scaled.error();
  }
  return {};
}

model::Result<std::vector<router::Backend>> ServiceRouter::weights(
    const model::ObjectKey& release) {
  auto svc = resolve_(release);
  if (!svc) return svc.error();
  auto service = api_.get(path_of(kServices, svc->ns, svc->name));
  if (!service) {
    if (service.error().reason == "NotFound") return std::vector<router::Backend>{};
    return service.error();
  }
  const Json a = annotations_of(*service);
  if (a.value(kRoutedBy, "") != key_string(release)) return std::vector<router::Backend>{};
  const std::string text = a.value(kBackends, "");
  if (text.empty()) return std::vector<router::Backend>{};
  std::vector<router::Backend> out;
  try {
    for (const auto& b : Json::parse(text)) {
      out.push_back(router::Backend{b.at("name").get<std::string>(),
                                    b.at("address").get<std::string>(),
                                    b.at("weight").get<std::int32_t>()});
    }
  } catch (const Json::exception& e) {
    return model::Error::terminal(
        "Service " + svc_string(*svc) + ": annotation " + kBackends +
        " is not a list of backends (" + e.what() +
        "); it is rewind's record of the weights: remove it to start over");
  }
  return out;
}

model::Status ServiceRouter::remove(const model::ObjectKey& release) {
  auto svc = resolve_(release);
  if (!svc) return svc.error();
  auto current = api_.get(path_of(kServices, svc->ns, svc->name));
  if (!current)
    return current.error().reason == "NotFound" ? model::Status{} : model::Status{current.error()};
  if (annotations_of(*current).value(kRoutedBy, "") != key_string(release)) return {};
  auto written = write_service(*svc, release, [&](Json& s) -> model::Status {
    Json& a = s["metadata"]["annotations"];
    try {
      s["spec"]["selector"] = Json::parse(a.value(kSelectorBefore, "{}"));
    } catch (const Json::exception&) {
      return model::Error::terminal("Service " + svc_string(*svc) + ": annotation " +
                                    kSelectorBefore +
                                    " is not a selector; set the selector by hand");
    }
    for (const char* k : {kRoutedBy, kBackends, kSelectorBefore, kCanaryReplicas}) a.erase(k);
    return {};
  });
  if (!written) return written.error();
  return {};
}

}  // namespace rwd::kube
