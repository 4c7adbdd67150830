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

}  // namespace rwd::execute
