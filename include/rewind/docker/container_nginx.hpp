#pragma once
// nginx in a proxy container, reached through the Docker Engine API: the
// rwd::router::NginxControl that the nginx router uses on Docker hosts where
// nginx runs in a container (the upstream directory bind-mounted into it).
//
//   - test_config: `nginx -t -q` run in the container with
//     POST /containers/{id}/exec (the configuration nginx would load, with
//     the container's own paths), its exit code from GET /exec/{id}/json;
//   - reload: POST /containers/{id}/kill?signal=HUP (nginx must be the
//     container's PID 1, i.e. run with "daemon off;");
//   - workers: GET /containers/{id}/top, the "nginx: worker process" children
//     of the "nginx: master process".
//
//   auto engine = rwd::docker::Client::connect(std::move(http)).value();
//   auto control = rwd::docker::make_container_nginx(std::move(engine), {.container = "proxy"});
//   auto router = rwd::router::NginxRouter::create({.upstream_dir = dir},
//                                                  std::move(control.value()));
//
// The Client is owned: a Client serves one thread at a time, and the router
// serializes its calls.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "rewind/docker/client.hpp"
#include "rewind/router/nginx_control.hpp"

namespace rwd::docker {

struct ContainerNginxOptions {
  std::string container;  // name or id
  std::vector<std::string> test_command{"nginx", "-t", "-q"};
  std::chrono::milliseconds test_timeout{10'000};
};

// Fails (terminal) when the container does not exist or is not running, or
// runs no nginx master.
model::Result<std::unique_ptr<router::NginxControl>> make_container_nginx(
    std::unique_ptr<Client> client, ContainerNginxOptions options);

// The worker pids in a container's process list: children (PPID) of the
// process whose CMD starts with "nginx: master process", whose CMD starts
// with "nginx: worker process" and is not shutting down. Fails when the
// list has no PID/PPID/CMD columns or no nginx master.
model::Result<std::vector<int>> nginx_workers_from_top(const ContainerTop& top,
                                                       const std::string& container);

}  // namespace rwd::docker
