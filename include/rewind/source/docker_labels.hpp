#pragma once
// The pure half of the Docker label source: a container's labels, image and
// environment as a Release, and which container of a compose service defines
// the service's desired state. No Docker here; docker_label_source.hpp feeds it.
//
// A compose service whose containers carry `rewind.dev/release` is a Release:
//
//   labels:
//     rewind.dev/release: api                 # name, or namespace/name
//     rewind.dev/namespace: shop              # default: the compose project
//     rewind.dev/health-path: /health         # an HTTP check (port: health-port,
//     rewind.dev/health-port: "8080"          #  else the one exposed TCP port)
//     rewind.dev/health-interval: 2s
//     rewind.dev/health-timeout: 1s
//     rewind.dev/health-success-threshold: "1"
//     rewind.dev/health-failure-threshold: "3"
//     rewind.dev/strategy: Recreate           # the only strategy on Docker hosts today
//     rewind.dev/analysis-window: 5m          # watch a new revision this long
//     rewind.dev/analysis-interval: 10s
//     rewind.dev/automatic-rollback: "true"
//     rewind.dev/progress-deadline: 5m
//
// spec.target.docker is the container's compose project and service,
// spec.image its Config.Image, spec.config.env its environment less what its
// image sets. A label left out takes the default of the Release field it
// sets. Every problem is a Diagnostic naming the container and the label:
//   container shop-api-1: label rewind.dev/health-port: "80x" is not a port (1..65535)

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/time.hpp"

namespace rwd::source {

namespace docker_label {
inline constexpr const char* kPrefix = "rewind.dev/";
inline constexpr const char* kRelease = "rewind.dev/release";
inline constexpr const char* kNamespace = "rewind.dev/namespace";
inline constexpr const char* kHealthPath = "rewind.dev/health-path";
inline constexpr const char* kHealthPort = "rewind.dev/health-port";
inline constexpr const char* kHealthInterval = "rewind.dev/health-interval";
inline constexpr const char* kHealthTimeout = "rewind.dev/health-timeout";
inline constexpr const char* kHealthSuccess = "rewind.dev/health-success-threshold";
inline constexpr const char* kHealthFailure = "rewind.dev/health-failure-threshold";
inline constexpr const char* kStrategy = "rewind.dev/strategy";
inline constexpr const char* kAnalysisWindow = "rewind.dev/analysis-window";
inline constexpr const char* kAnalysisInterval = "rewind.dev/analysis-interval";
inline constexpr const char* kAutomaticRollback = "rewind.dev/automatic-rollback";
inline constexpr const char* kProgressDeadline = "rewind.dev/progress-deadline";
// Put by rewind on the containers it creates (execute::label::kRevision): a
// container with it is rewind's, never a new desired state.
inline constexpr const char* kRevision = "rewind.dev/revision";
// On the Releases this source makes (execute::kSourceAnnotation): they exist
// only while their containers do.
inline constexpr const char* kSourceAnnotation = "rewind.dev/source";
inline constexpr const char* kSourceValue = "docker-labels";
// Docker Compose's own.
inline constexpr const char* kComposeProject = "com.docker.compose.project";
inline constexpr const char* kComposeService = "com.docker.compose.service";
inline constexpr const char* kComposeOneoff = "com.docker.compose.oneoff";
}  // namespace docker_label

// A container as the label source sees it. Everything but name and running
// is fixed for the life of a container.
struct LabelledContainer {
  std::string id;
  std::string name;   // without the leading '/'
  std::string image;  // Config.Image: the reference it was created from
  std::map<std::string, std::string> labels;
  // Config.Env less the entries its image sets (what compose's environment:
  // and env_file: gave it).
  std::map<std::string, std::string> env;
  std::vector<int> exposed_tcp_ports;  // Config.ExposedPorts, ascending
  model::Timestamp created{};
  bool running = false;
  bool operator==(const LabelledContainer&) const = default;
};

// "container shop-api-1"
std::string container_label(const LabelledContainer& c);

// True for containers rewind created (a replacement, a rollback target).
bool created_by_rewind(const LabelledContainer& c);

// The Release a container's labels describe: the Release, or every problem.
struct LabelRead {
  std::optional<model::Release> release;
  std::vector<model::Diagnostic> errors;
};
LabelRead read_release_labels(const LabelledContainer& c);

// The Release key the labels name (rewind.dev/release, rewind.dev/namespace,
// the compose project); nullopt when the labels do not name a valid key.
std::optional<model::ObjectKey> release_key(const LabelledContainer& c);

// A compose service with labelled containers.
struct ServiceKey {
  std::string project;
  std::string service;
  [[nodiscard]] std::string str() const { return project + "/" + service; }
  auto operator<=>(const ServiceKey&) const = default;
};

// Containers of compose services, grouped. Containers without compose labels
// and `docker compose run` containers (oneoff) are left out; the first kind
// is reported in `errors`.
struct ServiceGroups {
  std::map<ServiceKey, std::vector<LabelledContainer>> services;  // each newest first
  std::vector<model::Diagnostic> errors;
};
ServiceGroups group_by_service(std::vector<LabelledContainer> containers);

// The container that defines the desired state of a service: the newest that
// rewind did not create; nullptr when rewind created all of them.
const LabelledContainer* defining_container(const std::vector<LabelledContainer>& newest_first);

}  // namespace rwd::source
