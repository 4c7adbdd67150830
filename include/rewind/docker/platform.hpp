#pragma once
// execute::ContainerPlatform on the Docker Engine: the containers of a compose
// service (by its com.docker.compose.project/service labels), recreated the
// way `docker compose up` would (see replacement.hpp). Safe to call from
// several threads: calls go through one client, one at a time.

#include <memory>
#include <mutex>
#include <string>

#include "rewind/docker/client.hpp"
#include "rewind/execute/platform.hpp"

namespace rwd::docker {

class DockerPlatform final : public execute::ContainerPlatform {
 public:
  explicit DockerPlatform(std::unique_ptr<Client> client);

  model::Result<std::vector<execute::Instance>> list(const model::Target& target) override;
  model::Result<execute::Instance> inspect(const std::string& id) override;
  model::Result<bool> image_present(const model::ImageRef& image) override;
  model::Status ensure_image(const model::ImageRef& image) override;
  // Creates the replacement and connects it to the old container's other
  // networks; removes it again when that fails.
  model::Result<std::string> create_replacement(const execute::Instance& from,
                                                const execute::ContainerChange& change) override;
  model::Status start(const std::string& id) override;
  model::Status stop(const std::string& id, std::chrono::seconds grace) override;
  // Forced (a running container is killed), keeping its volumes: a
  // replacement may be using the anonymous ones. A container that is gone
  // already counts as removed.
  model::Status remove(const std::string& id) override;
  model::Status rename(const std::string& id, const std::string& name) override;
  model::Result<std::string> address(const std::string& id, int port) override;

  Client& client() { return *client_; }

 private:
  std::mutex mu_;
  std::unique_ptr<Client> client_;
};

}  // namespace rwd::docker
