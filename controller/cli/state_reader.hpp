#pragma once
// Internal: where `rewind status` and `rewind history` read from -- the
// state directory that `rewind watch` writes, a running watcher's HTTP API
// (--server), PostgreSQL (--state) or the Kubernetes API server (--kube).
// All give the same objects, so the output is the same.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rewind/cli/kube_target.hpp"
#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"

namespace rwd::cli {

struct ReleaseList {
  std::vector<model::Release> releases;  // sorted by namespace/name
  std::vector<std::string> errors;       // one per Release that could not be read
  std::vector<std::string> hosts;        // --state postgres://: the host of each Release
};

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual model::Result<ReleaseList> releases() = 0;
  // nullopt: no such Release.
  virtual model::Result<std::optional<model::Release>> release(const model::ObjectKey& key) = 0;
  // --state postgres://: the hosts that have the Release; empty otherwise.
  virtual model::Result<std::vector<std::string>> hosts_of(const model::ObjectKey& /*key*/) {
    return std::vector<std::string>{};
  }
  virtual model::Result<std::optional<model::Release>> release_on(const std::string& /*host*/,
                                                                  const model::ObjectKey& key) {
    return release(key);
  }
  // Empty when the Release has no history.
  virtual model::Result<model::History> history(const model::ObjectKey& key) = 0;
  // For messages: "in /var/lib/rewind", "at http://127.0.0.1:9464".
  [[nodiscard]] virtual std::string where() const = 0;
  // The namespace of NAME when -n is not given: the kubeconfig context's
  // (--kube); nullopt: -n's default.
  [[nodiscard]] virtual std::optional<std::string> context_namespace() const {
    return std::nullopt;
  }
};

// The state directory (it must exist).
model::Result<std::unique_ptr<StateReader>> open_state_directory(const std::filesystem::path& dir);

// A watcher's API: http://host:port or https://host:port.
model::Result<std::unique_ptr<StateReader>> open_server(const std::string& url);

// The Kubernetes API server (state_kube.cpp), checked to serve rewind's CRDs.
// Lists show namespace `ns` when -n was given, else every namespace.
model::Result<std::unique_ptr<StateReader>> open_kube_reader(const KubeTarget& target,
                                                             const std::string& ns);

}  // namespace rwd::cli
