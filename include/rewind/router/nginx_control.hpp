#pragma once
// How the nginx router reaches nginx: check a configuration, signal a reload,
// and see the worker processes (which nginx replaces when a reload takes
// effect). Two implementations:
//   - LocalNginx (below): the `nginx` binary for `nginx -t`, SIGHUP to the
//     master pid from its pid file, workers from /proc;
//   - rwd::docker::ContainerNginx (rewind/docker/container_nginx.hpp): nginx in
//     a proxy container, through the Docker Engine API (exec `nginx -t`,
//     kill?signal=HUP, top).

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "rewind/model/result.hpp"

namespace rwd::router {

class NginxControl {
 public:
  virtual ~NginxControl() = default;

  // "nginx master 1234 (pid file /run/nginx.pid)", "nginx in container proxy":
  // for messages.
  [[nodiscard]] virtual std::string describe() const = 0;

  // `nginx -t` on the configuration nginx would load. Fails (terminal) with
  // nginx's own message when nginx rejects it.
  virtual model::Status test_config() = 0;

  // Pids of the worker processes that serve requests now (not those shutting
  // down after a reload). Fails when nginx is not running (stale pid file,
  // stopped container).
  virtual model::Result<std::vector<int>> workers() = 0;

  // Asks the master to reload (SIGHUP). Returns once the signal is sent.
  virtual model::Status reload() = 0;
};

// A reload took effect when nginx serves with workers none of which served
// before it.
bool workers_replaced(const std::vector<int>& before, const std::vector<int>& after);

struct LocalNginxOptions {
  std::string nginx_binary = "/usr/sbin/nginx";
  // The main configuration (the one that includes the upstream directory),
  // for `nginx -t -q -c <main_config>`.
  std::filesystem::path main_config;
  // Given before -t (e.g. {"-p", prefix, "-e", error_log}).
  std::vector<std::string> nginx_args;
  // The master's pid file (the `pid` directive).
  std::filesystem::path pid_file;
  std::chrono::milliseconds test_timeout{10'000};
};

// Checks the options: the binary is executable, the main configuration
// readable, the pid file names a running nginx master. Errors (terminal)
// name the option and the value.
model::Result<std::unique_ptr<NginxControl>> make_local_nginx(LocalNginxOptions options);

// The process title of a pid ("nginx: master process ..."); empty when gone.
std::string process_title(int pid);
// Children of `parent` whose title starts with "nginx: worker process" and
// that are not shutting down, from /proc.
std::vector<int> nginx_workers_of(int parent);

}  // namespace rwd::router
