#pragma once
// Internal: what the executor's source files share.

#include "rewind/execute/executor.hpp"

namespace rwd::execute {

// What the revision's container must be: its image, its managed env and
// rewind's labels; the name is left to the caller.
model::Result<ContainerChange> revision_change(const StepInput& in,
                                               const reconcile::step::StartRevision& s);

// True when `rewind promote` let the step at in.index go on.
bool promoted_by_hand(const StepInput& in);

}  // namespace rwd::execute
