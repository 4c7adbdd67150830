#pragma once
// The executor's ContainerPlatform for `target.kubernetes: {deployment: X}`.
//
// A Deployment is one Instance (id "namespace/name"): its image and env are
// the target container's, its labels the pod template's rewind.dev/*
// annotations (revision, hashes: what runs maps back to a revision after a
// restart), `running` means replicas > 0, and its health is the rollout's:
//
//   healthy   the controller saw the latest generation and every replica is
//             updated and available, with no old pod left
//   unhealthy the Progressing condition is False (ProgressDeadlineExceeded)
//   starting  anything in between
//
// A "replacement" is the same Deployment with the new image, env and
// annotations: one merge patch of its pod template (with the resourceVersion
// read, so a concurrent change is a conflict, not lost), sent only when
// something differs; Kubernetes rolls the pods. stop/start scale to zero and
// back (the replica count is kept in an annotation).
//
// Blue-green and canary run a second Deployment beside the first: a
// replacement with another name (web-green, web-rewind-r4) is a copy of the
// Deployment it replaces, created with zero replicas (start() scales it to
// the source's count). A copy is labelled rewind.dev/copy-of=<the
// Deployment of the target>, which is how list() finds it, and its selector
// and pod template carry rewind.dev/deployment=<its name>, so that its pods
// are told apart from the source's. remove() deletes copies only; the
// operator's Deployment is never deleted. As a traffic backend a Deployment
// is "<name>.<namespace>:<port>" (rwd::kube::ServiceRouter).

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "rewind/execute/platform.hpp"
#include "rewind/kube/api.hpp"

namespace rwd::kube {

// Annotation holding the replica count a stop() scaled down from.
inline constexpr const char* kReplicasBeforeStop = "rewind.dev/replicas-before-stop";
// Label of a copy: the name of the Deployment it copies (the target's).
inline constexpr const char* kCopyOf = "rewind.dev/copy-of";
// Selector and pod label of a copy: its own name.
inline constexpr const char* kPodsOf = "rewind.dev/deployment";

// "web-green.shop:8080": a Deployment as a traffic backend (port 0: 80; the
// Service's own ports carry the traffic).
std::string backend_address(const std::string& ns, const std::string& name, int port);

// The Instance for a Deployment object (exposed for unit tests).
execute::Instance instance_of(const Json& deployment, const std::string& container);

// The replica count a Deployment runs with when started: its own, else the
// one a stop() kept (kReplicasBeforeStop), else 1.
std::int64_t replicas_when_running(const Json& deployment);

class DeploymentPlatform final : public execute::ContainerPlatform {
 public:
  explicit DeploymentPlatform(Api& api) : api_(api) {}

  model::Result<std::vector<execute::Instance>> list(const model::Target& target) override;
  model::Result<execute::Instance> inspect(const std::string& id) override;
  model::Result<bool> image_present(const model::ImageRef& image) override;
  model::Status ensure_image(const model::ImageRef& image) override;
  model::Result<std::string> create_replacement(const execute::Instance& from,
                                                const execute::ContainerChange& change) override;
  model::Result<std::string> create_for_service(const model::Target& target,
                                                const execute::ContainerChange& change) override;
  model::Status start(const std::string& id) override;
  model::Status stop(const std::string& id, std::chrono::seconds grace) override;
  model::Status remove(const std::string& id) override;
  model::Status rename(const std::string& id, const std::string& name) override;
  model::Result<std::string> address(const std::string& id, int port) override;
  model::Result<std::string> traffic_address(const std::string& id, int port) override;
  model::Result<execute::CommandOutput> run_once(const execute::OneOffCommand& command) override;
  [[nodiscard]] std::string describe(const execute::Instance& instance) const override;
  [[nodiscard]] std::string health_source() const override { return "rollout"; }

  // Patches sent, and patches left out because the Deployment already matched.
  [[nodiscard]] std::uint64_t patches() const { return patches_.load(); }

 private:
  model::Result<Json> get(const std::string& id);
  model::Status scale(const std::string& id, bool up);
  model::Result<std::string> create_copy(const execute::Instance& from,
                                         const execute::ContainerChange& change);

  Api& api_;
  std::atomic<std::uint64_t> patches_{0};  // workers patch side by side
};

}  // namespace rwd::kube
