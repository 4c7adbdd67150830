#pragma once
// The container platform as the executor sees it: the containers of one
// service, and the few operations a recreate, a blue-green or a rollback
// needs. Implemented for the Docker Engine (rwd::docker::DockerPlatform) and
// in memory for unit tests (tests/unit/execute/fake_platform.hpp); Kubernetes
// comes later behind the same interface.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::execute {

// Labels rewind puts on the containers it creates, so that what runs can be
// mapped back to a revision after a restart.
namespace label {
inline constexpr const char* kRelease = "rewind.dev/release";            // namespace/name
inline constexpr const char* kRevision = "rewind.dev/revision";          // revision number
inline constexpr const char* kRevisionHash = "rewind.dev/revision-hash";
inline constexpr const char* kConfigHash = "rewind.dev/config-hash";
inline constexpr const char* kMigration = "rewind.dev/migration-revision";
inline constexpr const char* kManagedEnv = "rewind.dev/managed-env";     // comma-separated keys
inline constexpr const char* kColor = "rewind.dev/color";                // blue | green
// Docker Compose's own labels.
inline constexpr const char* kComposeProject = "com.docker.compose.project";
inline constexpr const char* kComposeService = "com.docker.compose.service";
inline constexpr const char* kComposeNumber = "com.docker.compose.container-number";
}  // namespace label

enum class HealthStatus {
  kNone,       // the container has no healthcheck of its own
  kStarting,
  kHealthy,
  kUnhealthy,
};

struct Instance {
  std::string id;
  std::string name;  // without the leading '/'
  model::ImageRef image;
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;
  bool running = false;
  HealthStatus health = HealthStatus::kNone;
  std::optional<std::chrono::system_clock::time_point> created;
  bool operator==(const Instance&) const = default;
};

// What the replacement container should be. Everything else (command,
// entrypoint, mounts, ports, networks and aliases, restart policy,
// healthcheck, user, working dir, ...) is copied from the container it
// replaces, so the result is what `docker compose up` would have made.
struct ContainerChange {
  model::ImageRef image;
  // Variables rewind manages: set these, and remove the keys the old
  // container's kManagedEnv label lists that are not set here.
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;  // added or replaced
  std::string name;                           // the new container's name
  bool operator==(const ContainerChange&) const = default;
};

class ContainerPlatform {
 public:
  virtual ~ContainerPlatform() = default;

  // Containers of the service named by the target (running or not).
  virtual model::Result<std::vector<Instance>> list(const model::Target& target) = 0;
  virtual model::Result<Instance> inspect(const std::string& id) = 0;

  virtual model::Result<bool> image_present(const model::ImageRef& image) = 0;
  // Pulls the image when it is absent (registry auth from the usual place).
  virtual model::Status ensure_image(const model::ImageRef& image) = 0;

  // Creates (does not start) a replacement for `from`; returns the new id.
  virtual model::Result<std::string> create_replacement(const Instance& from,
                                                        const ContainerChange& change) = 0;
  virtual model::Status start(const std::string& id) = 0;
  virtual model::Status stop(const std::string& id, std::chrono::seconds grace) = 0;
  virtual model::Status remove(const std::string& id) = 0;
  virtual model::Status rename(const std::string& id, const std::string& name) = 0;

  // host:port on which the container's `port` is reachable from rewind
  // (a published host port, else the container's address on its network).
  virtual model::Result<std::string> address(const std::string& id, int port) = 0;
};

}  // namespace rwd::execute
