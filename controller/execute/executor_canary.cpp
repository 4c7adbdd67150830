// Canary on a container platform: the canary container starts beside the
// stable track, the router gives it its share of the traffic step by step,
// and the promotion makes it the stable track.
//
// The router's backends are "stable" and "canary". Which container is which
// is read back from the addresses the router has (observe.cpp), so nothing
// but the router and the revision labels has to survive a restart.

#include <chrono>

#include "rewind/execute/colors.hpp"
#include "rewind/execute/executor.hpp"
#include "rewind/execute/kill_point.hpp"
#include "rewind/execute/observe.hpp"

#include "executor_internal.hpp"

namespace rwd::execute {
namespace {

std::string number(model::RevisionNumber n) { return std::to_string(n.value()); }

}  // namespace

model::Result<CanaryTracks> Executor::tracks_of(const StepInput& in, const TrafficScene& scene,
                                                model::RevisionNumber revision) {
  return canary_tracks(platform_, *traffic_.router, in.release, scene.instances, revision,
                       &scene.record->revision);
}

model::Status Executor::route_stable(const StepInput& in, const Instance& serving) {
  if (traffic_.router == nullptr) return {};
  const std::int32_t port = traffic_port(in.release.spec);
  if (port == 0) return {};
  auto address = platform_.traffic_address(serving.id, port);
  if (!address) return address.error();
  return traffic_.router->set_weights(in.release.metadata.key(), {{"stable", *address, 100}});
}

StepResult Executor::start_canary(const StepInput& in, const reconcile::step::StartRevision& s) {
  auto scene = traffic_scene(in, std::nullopt);
  if (!scene) return StepResult::from_error(scene.error());
  const std::vector<Instance>& instances = scene->instances;

  const Instance* existing = nullptr;
  const Instance* stable = nullptr;
  for (const auto& i : instances) {
    if (runs_revision(i, s.revision, s.tuple)) {
      if (existing == nullptr || i.running) existing = &i;
    } else if (i.running && (stable == nullptr ||
                             (i.created && stable->created && *i.created > *stable->created))) {
      stable = &i;
    }
  }
  const Instance* base =
      stable != nullptr ? stable : (instances.empty() ? nullptr : &instances.back());
  if (existing == nullptr && base == nullptr) {
    return StepResult::failed("no container of the service to start a canary beside", std::nullopt,
                              model::ErrorKind::kTransient);
  }
  if (stable != nullptr) {
    if (auto st = pin_traffic(in, *scene, *stable, "stable"); !st) {
      return StepResult::from_error(st.error());
    }
  }
  auto id = start_beside(in, s, existing, base, "canary", [&](ContainerChange& change) {
    change.publish_loopback = loopback_ports(in, scene->port, traffic_);
    change.name = revision_container_name(canonical_name(base->name), s.revision);
    change.beside = true;
  });
  if (!id) return StepResult::from_error(id.error());
  return StepResult::done("canary " + describe_id(*id) + " runs revision " + number(s.revision) +
                          " beside the stable track, without traffic");
}

StepResult Executor::set_canary_weight(const StepInput& in,
                                       const reconcile::step::SetTrafficWeight& s) {
  auto scene = traffic_scene(in, s.revision);
  if (!scene) return StepResult::from_error(scene.error());
  auto tracks = tracks_of(in, *scene, s.revision);
  if (!tracks) return StepResult::from_error(tracks.error());
  const std::int32_t port = scene->port;

  std::vector<router::Backend> backends;
  if (tracks->stable != nullptr) {
    auto a = platform_.traffic_address(tracks->stable->id, port);
    if (!a) return StepResult::from_error(a.error());
    backends.push_back(router::Backend{"stable", *a, 100 - s.weight});
  }
  if (tracks->canary != nullptr) {
    auto a = platform_.traffic_address(tracks->canary->id, port);
    if (!a) return StepResult::from_error(a.error());
    backends.push_back(router::Backend{"canary", *a, s.weight});
  } else if (s.weight > 0) {
    return StepResult::failed("no running canary container of revision " + number(s.revision),
                              std::nullopt, model::ErrorKind::kTransient);
  }
  if (tracks->stable == nullptr && s.weight < 100) {
    return StepResult::failed("no running container on the stable track to keep " +
                                  std::to_string(100 - s.weight) + "% of the traffic",
                              std::nullopt, model::ErrorKind::kTransient);
  }
  const auto began = std::chrono::steady_clock::now();
  if (auto st = traffic_.router->set_weights(in.release.metadata.key(), backends); !st) {
    return StepResult::from_error(st.error());
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  kill_point("canary:after-weight");
  return StepResult::done("revision " + number(s.revision) + " gets " + std::to_string(s.weight) +
                          "% of the traffic (set and verified in " + std::to_string(took.count()) +
                          " ms)");
}

StepResult Executor::pause(const StepInput& in, const reconcile::step::Pause& s) {
  if (promoted_by_hand(in)) return StepResult::done("promoted by hand (rewind promote)");
  if (!s.duration) {
    return StepResult::waiting_for_person("paused until `rewind promote " +
                                          in.release.metadata.name + "`");
  }
  const Gate& g = gate(in);
  const auto waited = in.now - g.started;
  if (waited >= *s.duration)
    return StepResult::done("paused " + model::format_duration(*s.duration));
  const auto left = std::chrono::duration_cast<model::Duration>(*s.duration - waited);
  return StepResult::waiting(left, "paused, " + model::format_duration(left) + " to go");
}

StepResult Executor::promote_canary(const StepInput& in, const reconcile::step::Promote& s) {
  auto scene = traffic_scene(in, s.revision);
  if (!scene) return StepResult::from_error(scene.error());
  auto tracks = tracks_of(in, *scene, s.revision);
  if (!tracks) return StepResult::from_error(tracks.error());
  const std::int32_t port = scene->port;
  // Resumed after the switch: the canary is the stable track already.
  const Instance* promoted = tracks->canary;
  if (promoted == nullptr && tracks->stable != nullptr &&
      runs_revision(*tracks->stable, s.revision, scene->record->revision)) {
    promoted = tracks->stable;
  }
  if (promoted == nullptr) {
    return StepResult::failed("no running canary container of revision " + number(s.revision),
                              std::nullopt, model::ErrorKind::kTransient);
  }
  auto address = platform_.traffic_address(promoted->id, port);
  if (!address) return StepResult::from_error(address.error());
  if (auto st =
          traffic_.router->set_weights(in.release.metadata.key(), {{"stable", *address, 100}});
      !st) {
    return StepResult::from_error(st.error());
  }
  kill_point("canary:after-promote-switch");
  // The old stable track has no traffic now.
  int stopped = 0;
  for (const auto& i : scene->instances) {
    if (!i.running || i.id == promoted->id) continue;
    if (auto st = platform_.stop(i.id, stop_grace(in)); !st)
      return StepResult::from_error(st.error());
    ++stopped;
    kill_point("canary:after-stop-old");
  }
  return StepResult::done("revision " + number(s.revision) + " takes all the traffic; stopped " +
                          std::to_string(stopped) + " container(s) of the old stable track");
}

StepResult Executor::scale_down_revision(const StepInput& in, const reconcile::step::ScaleDown& s) {
  const Gate& g = gate(in);
  const auto waited = in.now - g.started;
  if (waited < s.delay) {
    const auto left = std::chrono::duration_cast<model::Duration>(s.delay - waited);
    return StepResult::waiting(left, "scale-down in " + model::format_duration(left));
  }
  if (!s.revision) return StepResult::done("no revision to scale down");
  if (in.history.find(*s.revision) == nullptr) {
    return StepResult::done("revision " + number(*s.revision) + " is not in history");
  }
  auto scene = traffic_scene(in, s.revision);
  if (!scene) return StepResult::from_error(scene.error());
  int stopped = 0;
  for (const auto& i : scene->instances) {
    if (!i.running || !runs_revision(i, *s.revision, scene->record->revision)) continue;
    // Never stop what the router still sends traffic to.
    if (auto a = platform_.traffic_address(i.id, scene->port); a) {
      for (const auto& b : scene->live) {
        if (b.address == *a && b.weight > 0) {
          return StepResult::failed("container " + i.name + " of revision " + number(*s.revision) +
                                    " still has " + std::to_string(b.weight) +
                                    "% of the traffic; refusing to stop it");
        }
      }
    }
    if (auto st = platform_.stop(i.id, stop_grace(in)); !st)
      return StepResult::from_error(st.error());
    ++stopped;
    kill_point("canary:after-scale-down");
  }
  return StepResult::done("stopped " + std::to_string(stopped) + " container(s) of revision " +
                          number(*s.revision));
}

}  // namespace rwd::execute
