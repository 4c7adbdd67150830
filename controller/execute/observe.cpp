#include "rewind/execute/observe.hpp"

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
                            const std::vector<model::ImageRef>& images_present) {
  reconcile::Observed o;
  o.images_present.insert(images_present.begin(), images_present.end());
  const Instance* serving = serving_instance(instances);
  if (serving == nullptr) return o;
  o.running = revision_of(*serving);
  switch (serving->health) {
    case HealthStatus::kHealthy:
      o.health = reconcile::Health::kHealthy;
      break;
    case HealthStatus::kUnhealthy:
      o.health = reconcile::Health::kUnhealthy;
      break;
    case HealthStatus::kStarting:
    case HealthStatus::kNone:
      o.health = reconcile::Health::kUnknown;
      break;
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

}  // namespace

model::Result<ObservedRelease> observe_release(ContainerPlatform& platform, HealthProbe& probe,
                                               const model::Release& release,
                                               const model::Revision& desired,
                                               const model::History& history) {
  auto listed = platform.list(release.spec.target);
  if (!listed) return listed.error();
  ObservedRelease out{std::move(*listed), {}};
  out.observed = observe(out.instances, images_present(platform, desired, history));
  reconcile::Observed& observed = out.observed;
  if (const Instance* serving = serving_instance(out.instances);
      serving != nullptr && serving->health == HealthStatus::kNone) {
    const auto& hc = release.spec.health_check;
    observed.health = reconcile::Health::kHealthy;
    if (hc && hc->http) {
      auto addr = platform.address(serving->id, hc->http->port);
      const bool ok = addr && probe.probe(*addr, *hc->http, hc->timeout).healthy;
      observed.health = ok ? reconcile::Health::kHealthy : reconcile::Health::kUnhealthy;
    }
  }
  // A container rewind did not create (no labels) runs the desired
  // revision when it has the desired image, else the newest revision of
  // history with its image: the compose container adopted as revision 1,
  // which a rollback started again, is still revision 1.
  if (observed.running && observed.running->config_hash.empty()) {
    if (observed.running->image == desired.image) {
      observed.running = desired;
    } else {
      for (auto it = history.revisions.rbegin(); it != history.revisions.rend(); ++it) {
        if (it->revision.image == observed.running->image) {
          observed.running = it->revision;
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace rwd::execute
