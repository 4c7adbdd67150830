// Blue-green on a container platform: the new color starts beside the
// active one, the router switches, the old color stops after its delay.
// Also what blue-green and canary steps share (executor_canary.cpp).

#include <chrono>

#include <spdlog/spdlog.h>

#include "rewind/execute/colors.hpp"
#include "rewind/execute/executor.hpp"
#include "rewind/execute/kill_point.hpp"
#include "rewind/execute/observe.hpp"

#include "executor_internal.hpp"

namespace rwd::execute {
namespace {

using reconcile::Color;

std::string number(model::RevisionNumber n) { return std::to_string(n.value()); }

// A failure when the router sends traffic to `backend`: rewind never stops or
// replaces what serves.
std::optional<StepResult> refuse_if_serving(const std::vector<router::Backend>& live,
                                            const std::string& backend, const char* what) {
  for (const auto& b : live) {
    if (b.name == backend && b.weight > 0) {
      return StepResult::failed("the " + backend + " color serves traffic (weight " +
                                std::to_string(b.weight) + "); refusing to " + what + " it");
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<int> loopback_ports(const StepInput& in, std::int32_t port, const Traffic& traffic) {
  std::vector<int> ports;
  if (traffic.on_network) return ports;
  ports.push_back(port);
  const auto& hc = in.release.spec.health_check;
  if (hc && hc->http && hc->http->port != port) ports.push_back(hc->http->port);
  return ports;
}

std::chrono::seconds stop_grace(const StepInput& in) {
  return in.plan.emergency ? std::chrono::seconds(1) : std::chrono::seconds(10);
}

model::Result<Executor::TrafficScene> Executor::traffic_scene(
    const StepInput& in, std::optional<model::RevisionNumber> revision) {
  const char* strategy =
      in.release.spec.strategy.type == model::StrategyType::kCanary ? "canary" : "blue-green";
  TrafficScene scene;
  scene.port = traffic_port(in.release.spec);
  if (traffic_.router == nullptr) {
    return model::Error::terminal(
        std::string(strategy) +
        " needs a traffic router and none is configured: start rewind with "
        "--nginx-upstream-dir and --nginx-conf/--nginx-pid-file, or --nginx-container");
  }
  // A router that selects by label (a Kubernetes Service) brings its own ports.
  if (scene.port == 0 && !traffic_.router->selects_by_label()) {
    return model::Error::terminal(std::string(strategy) +
                                  " needs the container port traffic goes to: set spec.strategy." +
                                  (std::string(strategy) == "canary" ? "canary" : "blueGreen") +
                                  ".port or spec.healthCheck.http.port");
  }
  auto live = traffic_.router->weights(in.release.metadata.key());
  if (!live) return live.error();
  scene.live = std::move(*live);
  if (revision) {
    scene.record = in.history.find(*revision);
    if (scene.record == nullptr) {
      return model::Error::terminal("revision " + number(*revision) + " is not in history");
    }
  }
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return listed.error();
  scene.instances = std::move(*listed);
  return scene;
}

StepResult Executor::start_color(const StepInput& in, const reconcile::step::StartRevision& s) {
  const Color color = *s.color;
  const char* name = reconcile::to_string(color);
  auto scene = traffic_scene(in, std::nullopt);
  if (!scene) return StepResult::from_error(scene.error());
  if (auto refused = refuse_if_serving(scene->live, name, "replace")) return *refused;
  const std::vector<Instance>& instances = scene->instances;
  if (const Instance* serving = serving_instance(instances); serving != nullptr) {
    const auto active = color_label(*serving).value_or(Color::kBlue);
    if (active != color) {
      if (auto st = pin_traffic(in, *scene, *serving, reconcile::to_string(active)); !st) {
        return StepResult::from_error(st.error());
      }
    }
  }

  const Instance* existing = nullptr;
  for (const auto& i : instances) {
    if (in_color(i, color) && runs_revision(i, s.revision, s.tuple) &&
        (existing == nullptr || i.running)) {
      existing = &i;
    }
  }
  const Instance* base = serving_instance(instances);
  if (base == nullptr && !instances.empty()) base = &instances.back();
  const std::string target_name =
      base != nullptr ? color_container_name(base->name, color) : std::string();
  // The color's older containers make way (it serves no traffic: checked above).
  for (const auto& i : instances) {
    if (!in_color(i, color) || (existing != nullptr && i.id == existing->id)) continue;
    if (i.running) {
      if (auto st = platform_.stop(i.id, stop_grace(in)); !st) {
        return StepResult::from_error(st.error());
      }
      kill_point("bluegreen:after-stop-idle");
    }
    if (existing == nullptr && i.name == target_name) {
      if (auto st = platform_.remove(i.id); !st) return StepResult::from_error(st.error());
    }
  }
  auto id = start_beside(in, s, existing, base, "bluegreen", [&](ContainerChange& change) {
    change.labels[label::kColor] = name;
    change.beside = true;
    change.publish_loopback = loopback_ports(in, scene->port, traffic_);
    if (base != nullptr) change.name = target_name;
  });
  if (!id) return StepResult::from_error(id.error());
  return StepResult::done(describe_id(*id) + " runs revision " + number(s.revision) + " as " +
                          name);
}

std::string Executor::describe_id(const std::string& id) const {
  Instance i;
  i.id = id;
  return platform_.describe(i);
}

model::Status Executor::pin_traffic(const StepInput& in, TrafficScene& scene,
                                    const Instance& serving, const std::string& backend) {
  if (!traffic_.router->selects_by_label() || !scene.live.empty()) return {};
  auto address = platform_.traffic_address(serving.id, scene.port);
  if (!address) return address.error();
  std::vector<router::Backend> backends{{backend, *address, 100}};
  if (auto st = traffic_.router->set_weights(in.release.metadata.key(), backends); !st) return st;
  spdlog::info("{}/{}: all traffic pinned to {} ({}) before a second instance starts beside it",
               in.release.metadata.ns, in.release.metadata.name, platform_.describe(serving),
               backend);
  scene.live = std::move(backends);
  return {};
}

model::Result<std::string> Executor::start_beside(
    const StepInput& in, const reconcile::step::StartRevision& s, const Instance* existing,
    const Instance* base, const std::string& points,
    const std::function<void(ContainerChange&)>& shape) {
  std::string id;
  bool running = false;
  if (existing != nullptr) {
    id = existing->id;
    running = existing->running;
  } else {
    auto change = revision_change(in, s);
    if (!change) return change.error();
    shape(*change);
    if (auto st = platform_.ensure_image(s.tuple.image); !st) return st.error();
    auto created = base != nullptr ? platform_.create_replacement(*base, *change)
                                   : platform_.create_for_service(in.release.spec.target, *change);
    if (!created) return created.error();
    id = *created;
    kill_point(points + ":after-create");
  }
  if (!running) {
    if (auto st = platform_.start(id); !st) return st.error();
    kill_point(points + ":after-start");
  }
  return id;
}

StepResult Executor::switch_color(const StepInput& in,
                                  const reconcile::step::SwitchActiveColor& s) {
  auto scene = traffic_scene(in, s.revision);
  if (!scene) return StepResult::from_error(scene.error());
  const Instance* to = nullptr;
  for (const auto& i : scene->instances) {
    if (i.running && in_color(i, s.to) && runs_revision(i, s.revision, scene->record->revision)) {
      to = &i;
    }
  }
  const char* color = reconcile::to_string(s.to);
  if (to == nullptr) {
    return StepResult::failed(
        "no running container of revision " + number(s.revision) + " in the " + color + " color",
        std::nullopt, model::ErrorKind::kTransient);
  }
  auto address = platform_.traffic_address(to->id, scene->port);
  if (!address) return StepResult::from_error(address.error());
  std::vector<router::Backend> backends{{color, *address, 100}};
  // The other color stays listed at weight 0 while it runs (nginx marks it down).
  if (const Instance* o = running_in_color(scene->instances, reconcile::other(s.to))) {
    if (auto a = platform_.traffic_address(o->id, scene->port)) {
      backends.push_back({reconcile::to_string(reconcile::other(s.to)), *a, 0});
    }
  }
  const auto began = std::chrono::steady_clock::now();
  if (auto st = traffic_.router->set_weights(in.release.metadata.key(), backends); !st) {
    return StepResult::from_error(st.error());
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  kill_point("bluegreen:after-switch");
  return StepResult::done(std::string("traffic goes to ") + color + " (" + *address +
                          ", revision " + number(s.revision) + "); switched and verified in " +
                          std::to_string(took.count()) + " ms");
}

StepResult Executor::scale_down_color(const StepInput& in, const reconcile::step::ScaleDown& s) {
  const Color color = *s.color;
  const char* name = reconcile::to_string(color);
  const Gate& g = gate(in);
  const auto waited = in.now - g.started;
  if (waited < s.delay) {
    const auto left = std::chrono::duration_cast<model::Duration>(s.delay - waited);
    return StepResult::waiting(left, std::string("the ") + name +
                                         " color stays up for a switchback for another " +
                                         model::format_duration(left));
  }
  auto scene = traffic_scene(in, std::nullopt);
  if (!scene) return StepResult::from_error(scene.error());
  if (auto refused = refuse_if_serving(scene->live, name, "stop")) return *refused;
  int stopped = 0;
  for (const auto& i : scene->instances) {
    if (!i.running || !in_color(i, color)) continue;
    if (auto st = platform_.stop(i.id, stop_grace(in)); !st) {
      return StepResult::from_error(st.error());
    }
    ++stopped;
    kill_point("bluegreen:after-scale-down");
  }
  return StepResult::done("stopped " + std::to_string(stopped) + " container(s) of the " + name +
                          " color");
}

}  // namespace rwd::execute
