#pragma once
// Where a command reaches the Kubernetes API server instead of a state
// directory: --kubeconfig FILE, --context NAME, or --kube (the usual order:
// $KUBECONFIG, in-cluster, ~/.kube/config). Used by `rewind status`,
// `rewind history` and `rewind rollback`.

#include <filesystem>
#include <optional>
#include <string>

namespace rwd::cli {

struct KubeTarget {
  std::optional<std::filesystem::path> kubeconfig;  // --kubeconfig; nullopt: the usual order
  std::string context;                              // --context; empty: current-context
  // -n/--namespace was given; otherwise the context's namespace is used.
  bool namespace_given = false;
};

}  // namespace rwd::cli
