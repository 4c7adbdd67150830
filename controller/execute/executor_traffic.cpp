// Blue-green on a container platform: the new color starts beside the
// active one, the router switches, the old color stops after its delay.

#include <spdlog/spdlog.h>

#include <chrono>

#include "executor_internal.hpp"
#include "rewind/execute/colors.hpp"
#include "rewind/execute/executor.hpp"
#include "rewind/execute/kill_point.hpp"
#include "rewind/execute/observe.hpp"

namespace rwd::execute {
namespace {

using reconcile::Color;

std::string number(model::RevisionNumber n) { return std::to_string(n.value()); }

std::string short_id(const std::string& id) { return id.substr(0, 12); }

StepResult no_port() {
  return StepResult::failed(
      "blue-green needs the container port traffic goes to: set spec.strategy.blueGreen.port "
      "or spec.healthCheck.http.port");
}

}  // namespace

model::Result<std::vector<router::Backend>> Executor::live_weights(const StepInput& in) {
  if (traffic_.router == nullptr) {
    return model::Error::terminal(
        "blue-green needs a traffic router and none is configured: start rewind with "
        "--nginx-upstream-dir and --nginx-conf/--nginx-pid-file, or --nginx-container");
  }
  return traffic_.router->weights(in.release.metadata.key());
}

StepResult Executor::start_color(const StepInput& in, const reconcile::step::StartRevision& s) {
  const Color color = *s.color;
  const char* name = reconcile::to_string(color);
  const std::int32_t port = traffic_port(in.release.spec);
  if (port == 0) return no_port();
  auto live = live_weights(in);
  if (!live) return StepResult::from_error(live.error());
  for (const auto& b : *live) {
    if (b.name == name && b.weight > 0) {
      return StepResult::failed(std::string("the ") + name + " color serves traffic (weight " +
                                std::to_string(b.weight) + "); refusing to replace it");
    }
  }
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return StepResult::from_error(listed.error());
  std::vector<Instance>& instances = *listed;
  const std::chrono::seconds grace = in.plan.emergency ? std::chrono::seconds(1)
                                                       : std::chrono::seconds(10);

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
      if (auto st = platform_.stop(i.id, grace); !st) return StepResult::from_error(st.error());
      kill_point("bluegreen:after-stop-idle");
    }
    if (existing == nullptr && i.name == target_name) {
      if (auto st = platform_.remove(i.id); !st) return StepResult::from_error(st.error());
    }
  }
  std::string id;
  bool running = false;
  if (existing != nullptr) {
    id = existing->id;
    running = existing->running;
  } else {
    auto change = revision_change(in, s);
    if (!change) return StepResult::from_error(change.error());
    change->labels[label::kColor] = name;
    std::vector<int> ports;
    if (!traffic_.on_network) {
      ports.push_back(port);
      const auto& hc = in.release.spec.health_check;
      if (hc && hc->http && hc->http->port != port) ports.push_back(hc->http->port);
    }
    change->publish_loopback = ports;
    if (auto st = platform_.ensure_image(s.tuple.image); !st) {
      return StepResult::from_error(st.error());
    }
    model::Result<std::string> created = std::string();
    if (base == nullptr) {
      created = platform_.create_for_service(in.release.spec.target, *change);
    } else {
      change->name = target_name;
      created = platform_.create_replacement(*base, *change);
    }
    if (!created) return StepResult::from_error(created.error());
    id = *created;
    kill_point("bluegreen:after-create");
  }
  if (!running) {
    if (auto st = platform_.start(id); !st) return StepResult::from_error(st.error());
    kill_point("bluegreen:after-start");
  }
  return StepResult::done("container " + short_id(id) + " runs revision " + number(s.revision) +
                          " as " + name);
}

StepResult Executor::switch_color(const StepInput& in,
                                  const reconcile::step::SwitchActiveColor& s) {
  const std::int32_t port = traffic_port(in.release.spec);
  if (port == 0) return no_port();
  if (auto live = live_weights(in); !live) return StepResult::from_error(live.error());
  const model::RevisionRecord* rec = in.history.find(s.revision);
  if (rec == nullptr) return StepResult::failed("revision " + number(s.revision) + " is not in history");
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return StepResult::from_error(listed.error());

  const Instance* to = nullptr;
  for (const auto& i : *listed) {
    if (i.running && in_color(i, s.to) && runs_revision(i, s.revision, rec->revision)) to = &i;
  }
  const char* color = reconcile::to_string(s.to);
  if (to == nullptr) {
    return StepResult::failed("no running container of revision " + number(s.revision) +
                                  " in the " + color + " color",
                              std::nullopt, model::ErrorKind::kTransient);
  }
  auto address = platform_.address(to->id, port);
  if (!address) return StepResult::from_error(address.error());
  std::vector<router::Backend> backends{{color, *address, 100}};
  // The other color stays listed at weight 0 while it runs (nginx marks it down).
  if (const Instance* o = running_in_color(*listed, reconcile::other(s.to))) {
    if (auto a = platform_.address(o->id, port)) {
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
  auto live = live_weights(in);
  if (!live) return StepResult::from_error(live.error());
  for (const auto& b : *live) {
    if (b.name == name && b.weight > 0) {
      return StepResult::failed(std::string("the ") + name + " color serves traffic (weight " +
                                std::to_string(b.weight) + "); refusing to stop it");
    }
  }
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return StepResult::from_error(listed.error());
  const std::chrono::seconds grace = in.plan.emergency ? std::chrono::seconds(1)
                                                       : std::chrono::seconds(10);
  int stopped = 0;
  for (const auto& i : *listed) {
    if (!i.running || !in_color(i, color)) continue;
    if (auto st = platform_.stop(i.id, grace); !st) return StepResult::from_error(st.error());
    ++stopped;
    kill_point("bluegreen:after-scale-down");
  }
  return StepResult::done("stopped " + std::to_string(stopped) + " container(s) of the " + name +
                          " color");
}

}  // namespace rwd::execute
