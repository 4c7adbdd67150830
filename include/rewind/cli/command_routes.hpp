#pragma once
// The watcher's mutating HTTP routes, behind the bearer token:
//   POST /api/v1/releases/{namespace}/{name}/promote
//   POST /api/v1/releases/{namespace}/{name}/abort
//   POST /api/v1/releases/{namespace}/{name}/retry
// Each posts the command into the CommandBox and queues the Release; the
// next reconcile applies it. 202 when accepted, 404 for a Release the
// watcher does not manage, 409 for promote/abort when no plan is running.

#include <functional>
#include <optional>

#include "rewind/execute/commands.hpp"
#include "rewind/http/router.hpp"
#include "rewind/model/release.hpp"

namespace rwd::cli {

struct CommandRouteDeps {
  execute::CommandBox& box;
  // The stored status of a Release the watcher manages (a default status
  // when it was never written); nullopt when it manages no such Release.
  std::function<std::optional<model::ReleaseStatus>(const model::ObjectKey&)> status;
  std::function<void(const model::ObjectKey&)> enqueue;
  std::function<model::Timestamp()> now;
};

void add_command_routes(http::Router& router, CommandRouteDeps deps);

}  // namespace rwd::cli
