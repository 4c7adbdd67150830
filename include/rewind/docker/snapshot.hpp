#pragma once
// The create configuration of a compose service's container, kept so that a
// container removed by hand (`docker rm -f shop-api-1`) can be created again
// the way `docker compose up` would have created it from the compose file.
//
// A snapshot holds what build_replacement() copies from an old container —
// Config (command, entrypoint, env, labels, healthcheck, user, working dir,
// ...), HostConfig (port bindings, binds, restart policy, ...), the network
// endpoints with their aliases, static addresses and driver options, the
// volumes — and the Config of its image, so that the image's defaults are
// left to the new image as in a recreate. What the Engine changes while a
// container runs (assigned addresses, endpoint ids, state) is left out: a
// snapshot changes only when the container does.
//
// SnapshotStore keeps one per compose (project, service) in memory and,
// given a directory, in <dir>/<project>/<service>.json, written atomically
// and only when the snapshot changed: an idle controller writes nothing.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewind/docker/types.hpp"
#include "rewind/model/result.hpp"

namespace rwd::docker {

struct ServiceSnapshot {
  std::string project;         // com.docker.compose.project
  std::string service;         // com.docker.compose.service
  std::string container_id;    // the container it was taken from
  std::string name;            // that container's name, rewind's "-rewind-r<N>" suffix taken off
  nlohmann::json config;       // Config
  nlohmann::json host_config;  // HostConfig
  std::string network_mode;    // HostConfig.NetworkMode
  nlohmann::json networks;     // network name -> endpoint_settings() of the container's endpoint
  std::vector<MountPoint> mounts;
  std::optional<nlohmann::json> image_config;  // Config of its image, when the image existed
  bool operator==(const ServiceSnapshot&) const = default;
};

// The snapshot of a container that carries the compose project and service
// labels (nullopt for one that does not, and for `docker compose run`'s
// one-off containers).
std::optional<ServiceSnapshot> take_snapshot(const ContainerInspect& c,
                                             std::optional<nlohmann::json> image_config);

// The container the snapshot was taken from, as build_replacement() reads it.
ContainerInspect as_container(const ServiceSnapshot& s);

nlohmann::json to_json(const ServiceSnapshot& s);
// `what` names the document in errors (the file).
model::Result<ServiceSnapshot> snapshot_from_json(const nlohmann::json& j, const std::string& what);

class SnapshotStore {
 public:
  // `dir` empty: snapshots live in memory only (lost on restart).
  explicit SnapshotStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Keeps `s` as its service's snapshot. Writes the file only when `s`
  // differs from the one kept (in memory, else on disk) or an earlier write
  // failed. A failed write keeps `s` in memory and is tried again next time.
  model::Status keep(const ServiceSnapshot& s);

  // The service's snapshot: from memory, else from its file; nullopt when
  // none was ever kept. An error names the file when it cannot be read.
  model::Result<std::optional<ServiceSnapshot>> find(const std::string& project,
                                                     const std::string& service);

  // Where the service's snapshot is kept; empty when the store has no directory.
  [[nodiscard]] std::filesystem::path file(const std::string& project,
                                           const std::string& service) const;
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Entry {
    ServiceSnapshot snapshot;
    bool on_disk = false;  // the file holds exactly `snapshot`
  };
  using Key = std::pair<std::string, std::string>;

  // The entry of a service, loaded from its file on first use; nullptr when
  // there is none. `error` is set when the file exists but cannot be read.
  Entry* entry(const Key& key, std::optional<model::Error>* error);
  model::Status write(const ServiceSnapshot& s);

  std::filesystem::path dir_;
  std::map<Key, Entry> entries_;
};

}  // namespace rwd::docker
