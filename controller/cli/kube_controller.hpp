#pragma once
// Internal: the Kubernetes-mode controller behind `rewind controller`.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "rewind/model/time.hpp"

namespace rwd::cli {

struct KubeControllerConfig {
  std::optional<std::filesystem::path>
      kubeconfig;               // nullopt: $KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;          // empty: the current context
  std::string watch_namespace;  // empty: every namespace
  std::string listen = "127.0.0.1:9464";
  std::size_t workers = 2;
  model::Duration resync = std::chrono::seconds(30);
  bool dry_run = false;
  std::filesystem::path token_file;  // enables promote/abort/retry over HTTP
  // Leader election (a coordination.k8s.io Lease).
  bool leader_elect = true;
  std::string lease_namespace = "rewind-system";
  std::string lease_name = "rewind-controller";
  std::string identity;  // empty: hostname + pid
};

// Runs until SIGTERM/SIGINT; returns the exit code.
int run_kube_controller(const KubeControllerConfig& config, std::ostream& err);

}  // namespace rwd::cli
