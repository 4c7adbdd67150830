#pragma once
// The container platform as the executor sees it: the containers of one
// service, and the few operations a recreate, a blue-green or a rollback
// needs. Implemented for the Docker Engine (rwd::docker::DockerPlatform) and
// in memory for unit tests (tests/unit/execute/fake_platform.hpp), and for
// Kubernetes Deployments (rwd::kube::DeploymentPlatform).

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::execute {

// Labels rewind puts on the containers it creates, so that what runs can be
// mapped back to a revision after a restart.
namespace label {
inline constexpr const char* kRelease = "rewind.dev/release";    // namespace/name
inline constexpr const char* kRevision = "rewind.dev/revision";  // revision number
inline constexpr const char* kRevisionHash = "rewind.dev/revision-hash";
inline constexpr const char* kConfigHash = "rewind.dev/config-hash";
inline constexpr const char* kMigration = "rewind.dev/migration-revision";
inline constexpr const char* kManagedEnv = "rewind.dev/managed-env";  // comma-separated keys
inline constexpr const char* kColor = "rewind.dev/color";             // blue | green
inline constexpr const char* kOneOff = "rewind.dev/one-off";          // migration
// Docker Compose's own labels.
inline constexpr const char* kComposeProject = "com.docker.compose.project";
inline constexpr const char* kComposeService = "com.docker.compose.service";
inline constexpr const char* kComposeNumber = "com.docker.compose.container-number";
inline constexpr const char* kComposeOneOff = "com.docker.compose.oneoff";  // `compose run`: "True"
}  // namespace label

enum class HealthStatus {
  kNone,  // the container has no healthcheck of its own
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
  // Keys the Release's revisions set: removed too when not set in `env`
  // (an old container that docker compose created has no kManagedEnv label).
  std::set<std::string> managed_before;
  std::map<std::string, std::string> labels;  // added or replaced
  // The new container's name. create_for_service: empty means the name the
  // service's container had (compose's), without rewind's suffix.
  std::string name;
  // Blue-green and canary run two containers of the service side by side, so
  // the host ports the old one published cannot be taken again. nullopt:
  // ports are published as before. Set: the old publications are dropped and
  // these container ports are published on 127.0.0.1, each on a free host
  // port the Engine picks (empty: nothing is published; the router then
  // reaches the container on its network).
  std::optional<std::vector<int>> publish_loopback;
  // True when the new instance is to run beside `from` (blue-green, canary)
  // rather than take its place: a platform that changes instances in place
  // (a Kubernetes Deployment) then makes a copy named `name`.
  bool beside{false};
  bool operator==(const ContainerChange&) const = default;
};

// Name of the container that serves a revision while the old container still
// exists: the compose name with a "-rewind-r<N>" suffix. canonical_name()
// takes the suffix off again.
inline constexpr const char* kRevisionNameSuffix = "-rewind-r";

inline std::string canonical_name(const std::string& name) {
  const auto pos = name.rfind(kRevisionNameSuffix);
  if (pos == std::string::npos) return name;
  const std::string digits = name.substr(pos + std::char_traits<char>::length(kRevisionNameSuffix));
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return name;
  return name.substr(0, pos);
}

inline std::string revision_container_name(const std::string& canonical, model::RevisionNumber n) {
  return canonical + kRevisionNameSuffix + std::to_string(n.value());
}

// A command in a one-off container of `image` beside the target's service:
// on the networks of one of its containers, so it reaches the same host
// names (the database's). argv[0] is the program (the container's
// entrypoint), the rest its arguments. Secrets go in `env`, never in argv.
struct OneOffCommand {
  model::ImageRef image;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  model::Target target;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // then it is killed
  bool operator==(const OneOffCommand&) const = default;
};

inline constexpr std::size_t kCommandOutputCap = 64 * 1024;

struct CommandOutput {
  int exit_code = -1;  // -1: it did not exit by itself (killed at the timeout)
  std::string output;  // stdout and stderr together, the last kCommandOutputCap bytes
  bool timed_out = false;
  bool operator==(const CommandOutput&) const = default;
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
  // Creates (does not start) a container of the service when none exists
  // (someone ran `docker rm -f`), from the last configuration the platform
  // saw of one of its containers, changed as create_replacement() would.
  // Returns the new id; an error saying so, and where it looked, when no
  // container of the service was ever seen.
  virtual model::Result<std::string> create_for_service(const model::Target& target,
                                                        const ContainerChange& change) = 0;
  virtual model::Status start(const std::string& id) = 0;
  virtual model::Status stop(const std::string& id, std::chrono::seconds grace) = 0;
  virtual model::Status remove(const std::string& id) = 0;
  virtual model::Status rename(const std::string& id, const std::string& name) = 0;

  // host:port on which the container's `port` is reachable from rewind
  // (a published host port, else the container's address on its network).
  virtual model::Result<std::string> address(const std::string& id, int port) = 0;

  // How the traffic router names the instance as a backend (host:port).
  // The address above on Docker hosts; on Kubernetes the router selects a
  // Deployment's pods, so there the backend names the Deployment.
  virtual model::Result<std::string> traffic_address(const std::string& id, int port) {
    return address(id, port);
  }

  // How step messages name an instance ("container 0123456789ab") and where
  // its health comes from ("docker healthcheck").
  [[nodiscard]] virtual std::string describe(const Instance& instance) const {
    return "container " + instance.id.substr(0, 12);
  }
  [[nodiscard]] virtual std::string health_source() const { return "docker healthcheck"; }

  // Runs `command` to its end in a new container and removes the container
  // again on every path (failure, timeout). A non-zero exit is an output,
  // not an error; errors are what kept it from running.
  virtual model::Result<CommandOutput> run_once(const OneOffCommand& command) = 0;
};

}  // namespace rwd::execute
