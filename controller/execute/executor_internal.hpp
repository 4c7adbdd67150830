#pragma once
// Internal: what the executor's source files share.

#include <chrono>
#include <vector>

#include "rewind/execute/executor.hpp"

namespace rwd::execute {

// What the revision's container must be: its image, its managed env and
// rewind's labels; the name is left to the caller.
model::Result<ContainerChange> revision_change(const StepInput& in,
                                               const reconcile::step::StartRevision& s);

// True when `rewind promote` let the step at in.index go on.
bool promoted_by_hand(const StepInput& in);

struct Executor::TrafficScene {
  std::int32_t port = 0;                          // the container port traffic goes to
  std::vector<router::Backend> live;              // the router's weights
  std::vector<Instance> instances;                // the service's containers
  const model::RevisionRecord* record = nullptr;  // the step's revision, when it names one
};

// The container ports a color or canary container publishes on 127.0.0.1:
// the traffic port and the health check's; none when the router reaches
// containers on their network.
std::vector<int> loopback_ports(const StepInput& in, std::int32_t port, const Traffic& traffic);

// The stop grace of the plan: short for an emergency.
std::chrono::seconds stop_grace(const StepInput& in);

}  // namespace rwd::execute
