#pragma once
// From the containers of a service to the planner's Observed state.

#include <optional>
#include <vector>

#include "rewind/execute/health_probe.hpp"
#include "rewind/execute/platform.hpp"
#include "rewind/model/history.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/reconcile/observed.hpp"
#include "rewind/router/router.hpp"

namespace rwd::execute {

// The revision a container runs, from the labels rewind put on it. A
// container rewind did not create (no labels) runs an unknown config: its
// tuple carries the image and an empty config hash.
model::Revision revision_of(const Instance& instance);

// The container that serves: a running one, the newest first; nullptr when
// none runs.
const Instance* serving_instance(const std::vector<Instance>& instances);

// Observed state for the planner. images_present lists the images of every
// revision in history that the platform reports present. `serving`: the
// container that serves the primary traffic (serving_instance() when null).
reconcile::Observed observe(const std::vector<Instance>& instances,
                            const std::vector<model::ImageRef>& images_present,
                            const Instance* serving = nullptr);

struct ObservedRelease {
  std::vector<Instance> instances;  // every container of the service
  reconcile::Observed observed;
};

// What runs for a Release now, as the reconciler (and `rewind rollback`'s
// plan) sees it: the service's containers; which of the desired and the
// recent revisions' images are present; the health of the serving container
// (its Docker healthcheck, else the Release's HTTP check probed once, else
// "running"); and a container docker compose created adopted as the desired
// revision when it has the desired image, else as the newest revision in
// history with its image.
//
// Blue-green: the router's weights say which color is active; its container
// is the one that serves, and a running container of the other color is the
// standby. Before the router has weights, the container without a color (the
// one docker compose made) serves, else the newest.
model::Result<ObservedRelease> observe_release(ContainerPlatform& platform, HealthProbe& probe,
                                               const model::Release& release,
                                               const model::Revision& desired,
                                               const model::History& history,
                                               router::TrafficRouter* router = nullptr);

}  // namespace rwd::execute
