#include "rewind/cli/command_routes.hpp"

#include <memory>

#include <spdlog/spdlog.h>

namespace rwd::cli {

void add_command_routes(http::Router& router, CommandRouteDeps deps) {
  auto shared = std::make_shared<CommandRouteDeps>(std::move(deps));
  for (const auto kind : {execute::CommandKind::kPromote, execute::CommandKind::kAbort,
                          execute::CommandKind::kRetry}) {
    const std::string verb = execute::to_string(kind);
    router.add(
        "POST", "/api/v1/releases/{namespace}/{name}/" + verb,
        [shared, kind, verb](const http::ServerRequest& r) {
          const model::ObjectKey key{r.param("namespace"), r.param("name")};
          const auto status = shared->status(key);
          if (!status) {
            return http::ServerResponse::error(404, "this watcher manages no Release " + key.str());
          }
          if (kind != execute::CommandKind::kRetry && !status->progress) {
            return http::ServerResponse::error(
                409, "nothing to " + verb + ": no plan is running for " + key.str() + " (phase " +
                         model::to_string(status->phase) + ")");
          }
          shared->box.post(key, {kind, shared->now(), "HTTP API"});
          shared->enqueue(key);
          spdlog::info("{}: {} requested through the HTTP API", key.str(), verb);
          return http::ServerResponse::json(
              202, model::Json{{"release", key.str()},
                               {"command", verb},
                               {"accepted", true},
                               {"message", "queued; the next reconcile applies it"}});
        },
        http::Access::kMutating);
  }
}

}  // namespace rwd::cli
