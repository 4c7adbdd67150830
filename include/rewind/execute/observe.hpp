#pragma once
// From the containers of a service to the planner's Observed state.

#include <optional>
#include <vector>

#include "rewind/execute/platform.hpp"
#include "rewind/model/history.hpp"
#include "rewind/reconcile/observed.hpp"

namespace rwd::execute {

// The revision a container runs, from the labels rewind put on it. A
// container rewind did not create (no labels) runs an unknown config: its
// tuple carries the image and an empty config hash.
model::Revision revision_of(const Instance& instance);

// The container that serves: a running one, the newest first; nullptr when
// none runs.
const Instance* serving_instance(const std::vector<Instance>& instances);

// Observed state for the planner. images_present lists the images of every
// revision in history that the platform reports present.
reconcile::Observed observe(const std::vector<Instance>& instances,
                            const std::vector<model::ImageRef>& images_present);

}  // namespace rwd::execute
