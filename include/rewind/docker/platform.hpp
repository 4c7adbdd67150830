#pragma once
// execute::ContainerPlatform on the Docker Engine: the containers of a compose
// service (by its com.docker.compose.project/service labels), recreated the
// way `docker compose up` would (see replacement.hpp). Safe to call from
// several threads: calls go through one client, one at a time.
//
// Every list() keeps a snapshot of the configuration of the service's
// serving container (see snapshot.hpp), so that create_for_service() can
// make the container again after someone removed it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "rewind/docker/client.hpp"
#include "rewind/docker/replacement.hpp"
#include "rewind/docker/snapshot.hpp"
#include "rewind/execute/platform.hpp"

namespace rwd::docker {

struct DockerPlatformOptions {
  // Where the snapshots are kept (<dir>/<project>/<service>.json; `rewind
  // watch` uses <state-dir>/containers). Empty: in memory only.
  std::filesystem::path snapshot_dir;
  // run_once() talks to the Engine over a connection of its own (waiting
  // for the command holds it up to the command's timeout, and must not hold
  // up the other calls). Unset: a new http::make_client(endpoint) per run.
  std::function<model::Result<std::unique_ptr<http::Client>>()> one_off_http = {};
};

class DockerPlatform final : public execute::ContainerPlatform {
 public:
  explicit DockerPlatform(std::unique_ptr<Client> client, DockerPlatformOptions options = {});

  model::Result<std::vector<execute::Instance>> list(const model::Target& target) override;
  model::Result<execute::Instance> inspect(const std::string& id) override;
  model::Result<bool> image_present(const model::ImageRef& image) override;
  model::Status ensure_image(const model::ImageRef& image) override;
  // Creates the replacement and connects it to the old container's other
  // networks; removes it again when that fails.
  model::Result<std::string> create_replacement(const execute::Instance& from,
                                                const execute::ContainerChange& change) override;
  // From the service's snapshot; named change.name, else the snapshot's name.
  model::Result<std::string> create_for_service(const model::Target& target,
                                                const execute::ContainerChange& change) override;
  // A container that is gone (removed since it was listed) is a transient
  // error: the next reconcile lists again and finds the service empty.
  model::Status start(const std::string& id) override;
  model::Status stop(const std::string& id, std::chrono::seconds grace) override;
  // Forced (a running container is killed), keeping its volumes: a
  // replacement may be using the anonymous ones. A container that is gone
  // already counts as removed.
  model::Status remove(const std::string& id) override;
  model::Status rename(const std::string& id, const std::string& name) override;
  model::Result<std::string> address(const std::string& id, int port) override;
  // Pulls the image when absent; joins the networks of the service's serving
  // container (else of its snapshot) without its aliases; labels
  // rewind.dev/one-off=migration and the compose project. See run_once.hpp.
  model::Result<execute::CommandOutput> run_once(const execute::OneOffCommand& command) override;

  Client& client() { return *client_; }

  // A cache of each service's inspected containers and of which images are
  // present, which a resync of many Releases would otherwise ask the Engine
  // for again and again. It is only
  // used while the Engine's event stream is up; every event of a service's
  // container drops that service's entry, every image event the images, and
  // a change rewind makes itself everything. Off until events_up().
  void events_up();    // the stream is (re)established: on, and emptied
  void events_down();  // the stream broke: off (events may be missed)
  // An event of a container of compose service project/service.
  void container_event(const std::string& project, const std::string& service);
  // An image event (pulled, tagged, untagged, deleted, imported, loaded):
  // which images are present is asked again.
  void image_event();
  [[nodiscard]] std::uint64_t cache_hits() const;

 private:
  // Creates the container and connects it to its other networks; removes
  // it again when that fails. Caller holds mu_.
  model::Result<std::string> create_locked(const Replacement& r, const std::string& name);
  // Keeps the snapshot of the serving one of a service's containers. Caller holds mu_.
  void remember_locked(const std::vector<ContainerInspect>& containers);
  // The service's serving container, else its snapshot: whose networks a
  // one-off container joins.
  model::Result<ContainerInspect> network_source(const model::DockerTarget& d);
  // The service's containers, inspected (ones removed meanwhile skipped); mu_ held.
  model::Result<std::vector<ContainerInspect>> inspect_service_locked(const model::DockerTarget& d);
  model::Result<std::unique_ptr<http::Client>> one_off_connection();

  // The service's containers from the cache, else from the Engine (kept in
  // the cache when no event came meanwhile); mu_ held.
  model::Result<std::vector<ContainerInspect>> service_containers_locked(
      const model::DockerTarget& d, bool& fresh);
  void forget_cached();  // a change made here: the next list asks the Engine

  std::mutex mu_;
  std::unique_ptr<Client> client_;

  struct ServiceCache {
    mutable std::mutex mu;
    bool on = false;
    std::uint64_t epoch = 0;                       // bumped when everything is dropped
    std::map<std::string, std::uint64_t> changes;  // "<project>/<service>" -> events seen
    std::map<std::string, std::vector<ContainerInspect>> containers;
    std::uint64_t image_changes = 0;     // image events seen
    std::map<std::string, bool> images;  // image ref -> present
    std::uint64_t hits = 0;
    // Everything, and what is being listed now will not be kept; mu held.
    void drop_all() {
      ++epoch;
      containers.clear();
      images.clear();
    }
  };
  ServiceCache cache_;
  SnapshotStore snapshots_;
  std::map<std::string, std::string> snapshot_errors_;  // "<project>/<service>" -> last logged
  std::function<model::Result<std::unique_ptr<http::Client>>()> one_off_http_;
};

}  // namespace rwd::docker
