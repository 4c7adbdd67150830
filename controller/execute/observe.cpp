#include "rewind/execute/observe.hpp"

#include "rewind/execute/colors.hpp"

namespace rwd::execute {

model::Revision revision_of(const Instance& instance) {
  model::Revision r;
  r.image = instance.image;
  if (auto it = instance.labels.find(label::kConfigHash); it != instance.labels.end()) {
    r.config_hash = it->second;
  }
  if (auto it = instance.labels.find(label::kMigration); it != instance.labels.end()) {
    r.migration_revision = it->second;
  }
  return r;
}

const Instance* serving_instance(const std::vector<Instance>& instances) {
  const Instance* best = nullptr;
  for (const auto& i : instances) {
    if (!i.running) continue;
    if (best == nullptr || (i.created && best->created && *i.created > *best->created)) best = &i;
  }
  return best;
}

reconcile::Observed observe(const std::vector<Instance>& instances,
                            const std::vector<model::ImageRef>& images_present,
                            const Instance* serving) {
  reconcile::Observed o;
  o.images_present.insert(images_present.begin(), images_present.end());
  if (serving == nullptr) serving = serving_instance(instances);
  if (serving == nullptr) return o;
  o.running = revision_of(*serving);
  switch (serving->health) {
    case HealthStatus::kHealthy: o.health = reconcile::Health::kHealthy; break;
    case HealthStatus::kUnhealthy: o.health = reconcile::Health::kUnhealthy; break;
    case HealthStatus::kStarting:
    case HealthStatus::kNone: o.health = reconcile::Health::kUnknown; break;
  }
  return o;
}

namespace {

// The desired image and those of the last few revisions: the ones a plan
// may need, and the planner refuses a rollback to an image that is gone.
std::vector<model::ImageRef> images_present(ContainerPlatform& platform,
                                            const model::Revision& desired,
                                            const model::History& history) {
  std::vector<model::ImageRef> wanted{desired.image};
  for (auto it = history.revisions.rbegin(); it != history.revisions.rend() && wanted.size() < 5;
       ++it) {
    wanted.push_back(it->revision.image);
  }
  std::vector<model::ImageRef> present;
  for (const auto& image : wanted) {
    auto p = platform.image_present(image);
    if (p && *p) present.push_back(image);
  }
  return present;
}

// A container rewind did not create (no labels) runs the desired revision
// when it has the desired image, else the newest revision of history with
// its image: the compose container adopted as revision 1, which a rollback
// started again, is still revision 1.
void adopt(model::Revision& running, const model::Revision& desired,
           const model::History& history) {
  if (!running.config_hash.empty()) return;
  if (running.image == desired.image) {
    running = desired;
    return;
  }
  for (auto it = history.revisions.rbegin(); it != history.revisions.rend(); ++it) {
    if (it->revision.image == running.image) {
      running = it->revision;
      return;
    }
  }
}

// Blue-green: the serving container and the standby, from the router.
model::Result<const Instance*> observe_colors(const std::vector<Instance>& instances,
                                              router::TrafficRouter* router,
                                              const model::Release& release,
                                              reconcile::Observed& observed) {
  std::optional<reconcile::Color> active;
  if (router != nullptr) {
    auto weights = router->weights(release.metadata.key());
    if (!weights) return weights.error();
    active = active_color(*weights);
  }
  if (!active) {
    for (const auto& i : instances) {
      if (i.running && i.labels.find(label::kColor) == i.labels.end()) return &i;
    }
    return serving_instance(instances);
  }
  observed.active_color = active;
  if (const Instance* standby = running_in_color(instances, reconcile::other(*active))) {
    observed.standby = revision_of(*standby);
  }
  return running_in_color(instances, *active);
}

}  // namespace

model::Result<ObservedRelease> observe_release(ContainerPlatform& platform, HealthProbe& probe,
                                               const model::Release& release,
                                               const model::Revision& desired,
                                               const model::History& history,
                                               router::TrafficRouter* router) {
  auto listed = platform.list(release.spec.target);
  if (!listed) return listed.error();
  ObservedRelease out{std::move(*listed), {}};
  reconcile::Observed colors;
  const Instance* serving = nullptr;
  if (release.spec.strategy.type == model::StrategyType::kBlueGreen) {
    auto s = observe_colors(out.instances, router, release, colors);
    if (!s) return s.error();
    serving = *s;
  } else if (release.spec.strategy.type == model::StrategyType::kCanary && router != nullptr) {
    auto tracks = canary_tracks(platform, *router, release, out.instances);
    if (!tracks) return tracks.error();
    serving = tracks->stable;
    if (tracks->canary != nullptr) {
      colors.canary = revision_of(*tracks->canary);
      colors.canary_weight = tracks->canary_weight;
    }
  } else {
    serving = serving_instance(out.instances);
  }
  out.observed = observe(out.instances, images_present(platform, desired, history), serving);
  reconcile::Observed& observed = out.observed;
  observed.active_color = colors.active_color;
  observed.standby = colors.standby;
  observed.canary = colors.canary;
  observed.canary_weight = colors.canary_weight;
  if (observed.standby) adopt(*observed.standby, desired, history);
  if (observed.canary) adopt(*observed.canary, desired, history);
  if (serving != nullptr && serving->health == HealthStatus::kNone) {
    const auto& hc = release.spec.health_check;
    observed.health = reconcile::Health::kHealthy;
    if (hc && hc->http) {
      auto addr = platform.address(serving->id, hc->http->port);
      const bool ok = addr && probe.probe(*addr, *hc->http, hc->timeout).healthy;
      observed.health = ok ? reconcile::Health::kHealthy : reconcile::Health::kUnhealthy;
    }
  }
  if (observed.running) adopt(*observed.running, desired, history);
  return out;
}

}  // namespace rwd::execute
