#pragma once
// The pure parts of DockerPlatform::run_once: which networks a one-off
// container joins, its create document, and reading its logs.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewind/docker/types.hpp"
#include "rewind/execute/platform.hpp"

namespace rwd::docker {

// Where a one-off container is attached, taken from a container of the
// service: `mode` is HostConfig.NetworkMode (a network, or host / none /
// container:<id>), `extra` the other networks, connected before start.
// Without the service's aliases: the one-off must not receive its traffic.
struct OneOffNetworks {
  std::string mode;
  std::vector<std::string> extra;
  bool operator==(const OneOffNetworks&) const = default;
};

OneOffNetworks one_off_networks(const ContainerInspect& c);

// POST /containers/create: argv[0] as the entrypoint (the image's Cmd is not
// used), the env, labels rewind.dev/one-off=migration and the compose
// project, AutoRemove off (rewind reads the logs, then removes it).
nlohmann::json one_off_body(const execute::OneOffCommand& command, const std::string& project,
                            const OneOffNetworks& networks);

// The payloads of Docker's multiplexed log stream (8-byte frame headers:
// stream, 0, 0, 0, size as big-endian uint32) in order, the last `cap`
// bytes. Text that does not start with a frame header (a TTY) is kept as is.
std::string demultiplex_logs(std::string_view raw, std::size_t cap = execute::kCommandOutputCap);

}  // namespace rwd::docker
