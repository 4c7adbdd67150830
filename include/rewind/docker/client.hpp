#pragma once
// The Docker Engine API, as much of it as rewind needs: version negotiation,
// containers (list by label, inspect, create, start, stop, rename, remove,
// connect to a network), images (inspect, pull with registry auth).
//
// Paths are prefixed with the negotiated version (/v1.41/...). 304 from
// start/stop (already so) is success; 404 and 409 come back as ApiError with
// that status. One thread at a time; the events stream has its own client
// (rwd::docker::EventWatcher).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewind/docker/error.hpp"
#include "rewind/docker/types.hpp"
#include "rewind/http/client.hpp"

namespace rwd::docker {

// GET /containers/{id}/top: the columns of `ps` (default -ef: UID PID PPID C
// STIME TTY TIME CMD), one row per process; PIDs are the host's.
struct ContainerTop {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;
};

// A command run in a container with exec_in_container.
struct ExecResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved as the Engine sent them
};

struct ClientOptions {
  std::chrono::milliseconds timeout{30'000};             // every call but stop and pull
  std::chrono::milliseconds pull_idle_timeout{120'000};  // no progress for this long
  // Registry credentials: the Docker CLI's config file. Empty: $HOME/.docker/config.json
  // (or $DOCKER_CONFIG/config.json).
  std::string docker_config;
  // The `auths` key used for images whose name has no registry part.
  std::string default_registry_auth_key;
};

class Client {
 public:
  // Asks GET /version and speaks min(Engine's API version, kMaximumApiVersion);
  // fails (terminal) when that is below kMinimumApiVersion.
  static ApiResult<std::unique_ptr<Client>> connect(std::unique_ptr<http::Client> http,
                                                    ClientOptions options = {});

  [[nodiscard]] ApiVersion api_version() const { return version_; }
  [[nodiscard]] const VersionInfo& engine() const { return engine_; }
  [[nodiscard]] const http::Endpoint& endpoint() const { return http_->endpoint(); }

  // `labels`: "key=value" or "key" filters, all of which must match.
  ApiResult<std::vector<ContainerSummary>> list_containers(const std::vector<std::string>& labels,
                                                           bool all = true);
  ApiResult<ContainerInspect> inspect_container(const std::string& id);
  // `body`: the create document (Config fields, HostConfig, NetworkingConfig).
  // Returns the new id. 409: the name is in use; 404: no such image.
  ApiResult<std::string> create_container(const nlohmann::json& body, const std::string& name);
  ApiStatus start_container(const std::string& id);
  ApiStatus stop_container(const std::string& id, std::chrono::seconds grace);
  ApiStatus rename_container(const std::string& id, const std::string& name);
  ApiStatus remove_container(const std::string& id, bool force, bool remove_volumes = false);
  ApiStatus connect_network(const std::string& network, const std::string& container,
                            const nlohmann::json& endpoint_config);

  // ---- processes in a running container (client_process.cpp) ----
  // POST /containers/{id}/kill?signal=<signal> ("HUP"). 409: not running.
  ApiStatus kill_container(const std::string& id, const std::string& signal);
  // GET /containers/{id}/top. 409: not running.
  ApiResult<ContainerTop> top_container(const std::string& id);
  // Runs `cmd` (no shell) in the running container: POST /containers/{id}/exec,
  // POST /exec/{exec}/start (attached, no tty), GET /exec/{exec}/json for the
  // exit code. `timeout` bounds the start call (the command's run time).
  ApiResult<ExecResult> exec_in_container(const std::string& id,
                                          const std::vector<std::string>& cmd,
                                          std::chrono::milliseconds timeout);

  ApiResult<ImageInspect> inspect_image(const std::string& reference);
  // Pulls with the credentials of the image's registry from the Docker config
  // file, when there are any. Errors reported inside the progress stream fail it.
  ApiStatus pull_image(const std::string& reference);

  // Raw access under the negotiated version: "/containers/json" -> "/v1.41/containers/json".
  [[nodiscard]] std::string path(const std::string& api_path) const;

 private:
  Client(std::unique_ptr<http::Client> http, ClientOptions options, VersionInfo engine,
         ApiVersion version);
  ApiResult<http::ClientResponse> call(const std::string& method, const std::string& target,
                                       const std::string& body, std::chrono::milliseconds timeout);

  std::unique_ptr<http::Client> http_;
  ClientOptions options_;
  VersionInfo engine_;
  ApiVersion version_;
};

// The API version to speak with an Engine that reports `engine`.
model::Result<ApiVersion> negotiate_api_version(const VersionInfo& engine);

// Maps a non-2xx response to an ApiError naming the call: 404/409/400 and
// other 4xx terminal, 5xx transient.
ApiError response_error(const std::string& what, const http::ClientResponse& response);

}  // namespace rwd::docker
