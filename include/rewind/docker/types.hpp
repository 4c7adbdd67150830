#pragma once
// What rewind reads from the Docker Engine API, as plain structs. The parts
// a recreate needs verbatim (Config, HostConfig, the networks) are kept as
// the JSON the Engine sent.

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace rwd::docker {

// "1.41"
struct ApiVersion {
  int major = 1;
  int minor = 41;
  [[nodiscard]] std::string str() const;
  auto operator<=>(const ApiVersion&) const = default;
};

std::optional<ApiVersion> parse_api_version(std::string_view text);

// API 1.41 is Docker Engine 20.10, the oldest rewind works with; what is
// newer than kMaximumApiVersion is spoken as kMaximumApiVersion.
inline constexpr ApiVersion kMinimumApiVersion{1, 41};
inline constexpr ApiVersion kMaximumApiVersion{1, 43};

struct VersionInfo {
  std::string version;  // Engine version, "20.10.24"
  ApiVersion api_version;
  std::optional<ApiVersion> min_api_version;
  std::string os;
  std::string arch;
};

// GET /containers/json
struct ContainerSummary {
  std::string id;
  std::vector<std::string> names;  // without the leading '/'
  std::string image;
  std::string image_id;
  std::map<std::string, std::string> labels;
  std::string state;         // created | running | paused | restarting | removing | exited | dead
  std::int64_t created = 0;  // unix seconds
};

struct PortBinding {
  std::string host_ip;
  std::string host_port;
  bool operator==(const PortBinding&) const = default;
};

struct NetworkAttachment {
  std::string name;
  std::string network_id;
  std::string ip_address;
  std::string global_ipv6_address;
  std::vector<std::string> aliases;
};

struct MountPoint {
  std::string type;  // bind | volume | tmpfs | npipe
  std::string name;  // volume name
  std::string source;
  std::string destination;
  bool rw = true;
  bool operator==(const MountPoint&) const = default;
};

// GET /containers/{id}/json
struct ContainerInspect {
  std::string id;
  std::string name;              // without the leading '/'
  std::string image;             // Config.Image: the reference it was created from
  std::string image_id;          // sha256:...
  std::string created;           // RFC 3339
  std::vector<std::string> env;  // Config.Env, "KEY=value"
  std::map<std::string, std::string> labels;

  std::string status;  // State.Status
  bool running = false;
  std::string health;  // State.Health.Status: "" | starting | healthy | unhealthy
  int exit_code = 0;

  std::string network_mode;                               // HostConfig.NetworkMode
  std::map<std::string, std::vector<PortBinding>> ports;  // "8000/tcp" -> published bindings
  std::vector<NetworkAttachment> networks;                // sorted by name
  std::vector<MountPoint> mounts;

  nlohmann::json config;                     // Config, as sent
  nlohmann::json host_config;                // HostConfig, as sent
  nlohmann::json network_settings_networks;  // NetworkSettings.Networks, as sent
};

// GET /images/{name}/json
struct ImageInspect {
  std::string id;
  std::vector<std::string> repo_tags;
  nlohmann::json config;  // Config: the image's defaults (Env, Cmd, Entrypoint, Labels, ...)
};

// One line of GET /events.
struct Event {
  std::string type;    // container | image | network | volume | ...
  std::string action;  // start | die | stop | destroy | health_status: healthy | ...
  std::string id;      // Actor.ID
  std::map<std::string, std::string> attributes;  // labels, name, image, exitCode, ...
  std::int64_t time_nano = 0;
};

}  // namespace rwd::docker
