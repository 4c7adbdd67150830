#pragma once
// Output for the CLI: a readable table (`rewind plan`) and JSON (`-o json`).

#include <string>

#include "rewind/model/codec.hpp"
#include "rewind/reconcile/plan.hpp"
#include "rewind/reconcile/planner.hpp"
#include "rewind/reconcile/step.hpp"

namespace rwd::reconcile {

// rollback  from 6  to 5  reason Automatic
//   #  STEP              DESCRIPTION
//   1  record-incident   record incident: roll back revision 6 → 5 (Automatic)
//   ...
// then: requeue after 5s
// Finished steps of a resumed plan are marked "done"; a dry run says so.
std::string format_plan(const Decision& d);

model::Json to_json(const Step& s);  // {id, kind, description, ...parameters}
model::Json to_json(const Plan& p);
model::Json to_json(const Action& a);
model::Json to_json(const model::Condition& c);
model::Json to_json(const Decision& d);

}  // namespace rwd::reconcile
