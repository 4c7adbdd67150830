#pragma once
// Named crash points for the crash-safety tests. When the environment
// variable REWIND_TEST_KILL_AT names a point (a comma-separated list may name
// several), the process kills itself with SIGKILL the first time it reaches
// that point: no destructor, no flush, exactly what `kill -9` does. Unset (as
// in production) a kill point costs one cached branch.
//
// Points, in the order a recreate reaches them:
//   before-plan                  plan decided and recorded, no step run yet
//   recreate:after-create        new container created, old one still serving
//   recreate:after-stop-old      old container stopped, new one not started
//   recreate:after-start-new     new container started, step not yet recorded
//   start-revision:after-history the revision recorded live in history, the
//                                status not yet written
//   after-step:<step-name>       a step finished and its progress was written
//                                (step names as in reconcile::step_name)
//   mark-stable:after-remove-old old containers removed, new one not renamed
//   mark-stable:after-rename     new one renamed to the compose name, step not
//                                yet recorded
// and in a plan that changes the schema:
//   backup:after-dump            dump taken and verified, not yet recorded
//   quiesce:after-stop           quiesced services stopped, step not recorded
//   migrate:after-migrate        schema at the target, step not yet recorded
//   restore:after-swap           restored database in place, step not recorded

#include <string>
#include <string_view>
#include <vector>

namespace rwd::execute {

void kill_point(std::string_view name);

// The names that REWIND_TEST_KILL_AT may hold for a Recreate plan, in order;
// the crash tests iterate over them.
std::vector<std::string> recreate_kill_points();
// The same for a blue-green roll forward (bluegreen:after-create,
// bluegreen:after-start, bluegreen:after-switch, bluegreen:after-scale-down
// and the steps') and for a canary one (canary:after-create,
// canary:after-start, canary:after-weight, canary:after-promote-switch,
// canary:after-stop-old and the steps').
std::vector<std::string> bluegreen_kill_points();
std::vector<std::string> canary_kill_points();

}  // namespace rwd::execute
