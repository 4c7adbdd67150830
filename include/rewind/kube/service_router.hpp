#pragma once
// Blue-green and canary on Kubernetes: a Service's selector is the router.
//
// A backend is a Deployment ("web-green.shop:8080", see
// DeploymentPlatform::traffic_address). set_weights points the Service of
// the Release at the pods of the backends that get traffic:
//
//   one backend with traffic    the Service selects exactly its pods: a copy
//                               by its rewind.dev/deployment label, the
//                               operator's Deployment by its selector plus
//                               the pod-template-hash of its current
//                               ReplicaSet (its pods have no other label
//                               that a copy's pods lack)
//   two (a canary and stable)   the Service selects the labels both
//                               Deployments' selectors share, and the weight
//                               becomes a replica ratio: of N replicas (the
//                               stable track's count when the canary began,
//                               kept on the Service) the canary runs
//                               round(N * weight / 100), at least 1, and the
//                               stable track the rest, at least 1. Coarse
//                               without a service mesh: 10 % of 3 replicas
//                               is 1 of 3 pods.
//
// The Deployment that is to take all the traffic is first scaled to N and
// its replicas awaited (available), so a switch never lands on fewer pods
// than served before. The Service is written with its resourceVersion (a
// conflict is read again and retried) and read back; its annotations keep
// the backends (weights() answers from them), the Release that routes it,
// and the selector it had before rewind's first change (remove() puts it
// back).

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "rewind/kube/api.hpp"
#include "rewind/model/release.hpp"
#include "rewind/router/router.hpp"

namespace rwd::kube {

// Service annotations.
inline constexpr const char* kRoutedBy = "rewind.dev/routed-by";              // "ns/release"
inline constexpr const char* kBackends = "rewind.dev/backends";               // JSON
inline constexpr const char* kSelectorBefore = "rewind.dev/selector-before";  // JSON
inline constexpr const char* kCanaryReplicas = "rewind.dev/canary-replicas";  // N

struct ServiceRef {
  std::string ns;
  std::string name;
};

// The Service that routes a Release (spec.target.kubernetes.service, else
// the Deployment's name); an error when the Release is unknown or not on
// Kubernetes.
using ServiceResolver = std::function<model::Result<ServiceRef>(const model::ObjectKey&)>;

// The Service of a Release on Kubernetes (an error for other targets).
model::Result<ServiceRef> service_of(const model::Release& release);

struct ServiceRouterOptions {
  // How long a Deployment that is to take all the traffic may take to have
  // its replicas available; then the switch fails (transient) and nothing
  // is switched.
  std::chrono::milliseconds ready_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds poll{std::chrono::milliseconds(250)};
  // Waits between polls (tests pass one that does not sleep).
  std::function<void(std::chrono::milliseconds)> sleep;
};

class ServiceRouter final : public router::TrafficRouter {
 public:
  ServiceRouter(Api& api, ServiceResolver resolve, ServiceRouterOptions options = {});

  model::Status set_weights(const model::ObjectKey& release,
                            const std::vector<router::Backend>& backends) override;
  model::Result<std::vector<router::Backend>> weights(const model::ObjectKey& release) override;
  model::Status remove(const model::ObjectKey& release) override;
  [[nodiscard]] bool selects_by_label() const override { return true; }

 private:
  struct Target;
  model::Result<Json> deployment_of(const ServiceRef& svc, const router::Backend& b);
  model::Result<std::map<std::string, std::string>> own_pods(const Json& deployment);
  model::Result<Json> scale_to(const Json& deployment, std::int64_t replicas, bool await);
  model::Result<Json> write_service(const ServiceRef& svc, const model::ObjectKey& release,
                                    const std::function<model::Status(Json&)>& change);

  Api& api_;
  ServiceResolver resolve_;
  ServiceRouterOptions options_;
};

}  // namespace rwd::kube
