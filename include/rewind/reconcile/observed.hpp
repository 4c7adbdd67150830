#pragma once
// What runs now, as the targets report it. The planner only reads it.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/document.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"
#include "rewind/reconcile/step.hpp"

namespace rwd::reconcile {

enum class Health { kUnknown, kHealthy, kUnhealthy };
const char* to_string(Health h);  // "Unknown", "Healthy", "Unhealthy"

struct ObservedBackup {
  model::Timestamp taken_at{};
  bool verified = false;
  bool operator==(const ObservedBackup&) const = default;
};

struct Observed {
  // The revision serving the primary traffic: the whole service (Recreate),
  // the active color (BlueGreen) or the stable track (Canary). nullopt:
  // nothing runs.
  std::optional<model::Revision> running;
  Health health = Health::kUnknown;  // of `running`
  std::set<model::ImageRef> images_present;
  std::optional<ObservedBackup> latest_backup;
  std::optional<Color> active_color;  // BlueGreen
  // BlueGreen: the revision still up in the inactive color (within
  // scaleDownDelay). A rollback to it is a single switch.
  std::optional<model::Revision> standby;
  std::int32_t canary_weight = 0;  // Canary: traffic share of the canary track, 0..100
  // Canary: the revision a canary container runs beside the stable track,
  // with or without traffic; nullopt when none runs.
  std::optional<model::Revision> canary;
  bool operator==(const Observed&) const = default;
};

// Reads a mapping such as
//   {running: {image: "shop-api:v1.2.3", configHash: "...", migrationRevision: "0005"},
//    health: Healthy, imagesPresent: [...], latestBackup: {takenAt: ..., verified: true},
//    activeColor: blue, standby: {image: ..., configHash: ...}, canaryWeight: 0,
//    canary: {image: ..., configHash: ...}}
// Every field is optional; unknown fields, wrong types and bad values are
// errors with their path ("running.image", "imagesPresent[1]"). Returns
// nullopt when anything was wrong.
std::optional<Observed> decode_observed(const model::Node& node,
                                        std::vector<model::FieldError>& errors);

model::Json to_json(const Observed& o);

}  // namespace rwd::reconcile
