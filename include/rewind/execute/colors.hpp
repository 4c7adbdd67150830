#pragma once
// Blue-green and canary on a container platform: which color a container
// belongs to, which color the router says is active, which containers make
// the canary's two tracks, and where traffic goes.
//
// A color container carries the label rewind.dev/color (blue | green) and is
// named after the service's container with "-blue"/"-green". A container
// without the label (the one docker compose made, found by the first
// blue-green deploy) counts as blue: the new revision starts as green beside
// it, and a switchback returns to it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rewind/execute/platform.hpp"
#include "rewind/model/release.hpp"
#include "rewind/reconcile/step.hpp"
#include "rewind/router/router.hpp"

namespace rwd::execute {

// The color label's value; nullopt when the label is absent or unknown.
std::optional<reconcile::Color> color_label(const Instance& i);

// True when the instance belongs to color `c` (see above).
bool in_color(const Instance& i, reconcile::Color c);

// The newest running instance of color `c`; nullptr when none runs.
const Instance* running_in_color(const std::vector<Instance>& instances, reconcile::Color c);

// The color the router sends (most) traffic to: the blue/green backend with
// the highest weight above 0; nullopt when the router has none.
std::optional<reconcile::Color> active_color(const std::vector<router::Backend>& weights);

// The container port traffic goes to: strategy.blueGreen.port or
// strategy.canary.port, else healthCheck.http.port; 0 when none is set.
std::int32_t traffic_port(const model::ReleaseSpec& spec);

// "shop-web-1-green" for a container named "shop-web-1", "shop-web-1-blue"
// or "shop-web-1-rewind-r4".
std::string color_container_name(const std::string& base, reconcile::Color c);

// Canary: the containers of the two tracks. The router's "stable" and
// "canary" backends say which container is which (by address); without
// them, the stable track is the running container of the oldest revision
// (one docker compose made counts as oldest) and the canary another one.
struct CanaryTracks {
  const Instance* stable = nullptr;
  const Instance* canary = nullptr;
  std::int32_t canary_weight = 0;  // the router's, when its backend is the canary container
};

// `revision`/`tuple` (both or neither): the canary's, when the caller knows
// it; the canary is then the running container of that revision.
model::Result<CanaryTracks> canary_tracks(ContainerPlatform& platform,
                                          router::TrafficRouter& router,
                                          const model::Release& release,
                                          const std::vector<Instance>& instances,
                                          std::optional<model::RevisionNumber> revision = {},
                                          const model::Revision* tuple = nullptr);

}  // namespace rwd::execute
