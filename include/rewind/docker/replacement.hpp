#pragma once
// The create document for a container that replaces another with a new image
// and managed environment, as `docker compose up` would recreate it. Pure.
//
// Copied from the old container: HostConfig as it is (never a privilege,
// capability, namespace or bind more), and every Config field (command,
// entrypoint, env, labels, user, working dir, healthcheck, exposed ports,
// stop signal, ...) except what it only had because the *old image* said so:
// fields equal to the old image's defaults are left out, so the new image's
// defaults apply (that is what compose does, which never writes them). The
// network endpoints keep their aliases (less the old container-id alias),
// static addresses and driver options; addresses the Engine assigned are not
// copied. Anonymous volumes of the old container are mounted again at the same
// place (compose keeps their data across a recreate too).
//
// Changed: Image, the managed env (see execute::ContainerChange), the extra
// labels and the rewind.dev/managed-env label.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewind/docker/types.hpp"
#include "rewind/execute/platform.hpp"
#include "rewind/model/result.hpp"

namespace rwd::docker {

struct Replacement {
  nlohmann::json create_body;  // POST /containers/create
  // Networks beyond the first: POST /networks/{name}/connect before start
  // (the Engine before API 1.44 takes one network at create).
  std::vector<std::pair<std::string, nlohmann::json>> extra_networks;
};

// `old_image_config`: Config of the old container's image, when it still exists.
model::Result<Replacement> build_replacement(const ContainerInspect& old,
                                             const std::optional<nlohmann::json>& old_image_config,
                                             const execute::ContainerChange& change);

// What a new container's endpoint on a network keeps of an old one's
// (NetworkSettings.Networks.<name>): aliases less the old container's id,
// static addresses (IPAMConfig), links and driver options.
nlohmann::json endpoint_settings(const nlohmann::json& network, const std::string& container_id);

// The env after the managed part changed: entries of managed keys no longer
// in `env` removed, those in `env` set (in place, else appended in key order).
std::vector<std::string> apply_managed_env(const std::vector<std::string>& current,
                                           const std::string& old_managed_label,
                                           const std::map<std::string, std::string>& env);

// "host:port" where rewind reaches the container's `port` (tcp): the
// published host port (0.0.0.0 and :: become loopback), else the container's
// address on its primary network.
model::Result<std::string> container_address(const ContainerInspect& c, int port);

// The container as the executor sees it.
execute::Instance to_instance(const ContainerInspect& c);

}  // namespace rwd::docker
