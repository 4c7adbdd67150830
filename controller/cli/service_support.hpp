#pragma once
// Internal: what `rewind watch` and `rewind controller` do alike: reconcile
// a Release from the store with the Rollbacks that name it, and serve the
// HTTP API (health, metrics, read-only state, promote/abort/retry).

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rewind/cli/command_routes.hpp"
#include "rewind/execute/release_reconciler.hpp"
#include "rewind/history/store.hpp"
#include "rewind/http/server.hpp"
#include "rewind/runtime/controller.hpp"
#include "rewind/runtime/store.hpp"

namespace rwd::cli {

// The Rollbacks in `store` that name the Release `key`.
std::vector<model::Rollback> rollbacks_for(const runtime::Store& store,
                                           const model::ObjectKey& key);

// One reconcile of `release` with its Rollbacks from `store`; what the
// reconciler asks for, else a look again after `resync` (level-triggered).
model::Result<runtime::Action> reconcile_release(execute::ReleaseReconciler& reconciler,
                                                 const model::Release& release,
                                                 const runtime::Store& store,
                                                 model::Duration resync);

// For the command routes: the stored status of a Release the store holds
// (a default status when none was written yet), nullopt for one it does not.
std::function<std::optional<model::ReleaseStatus>(const model::ObjectKey&)> stored_status(
    const runtime::Store& store, history::StatusStore& statuses);

struct HttpSetup {
  std::string listen;                // --listen
  std::filesystem::path token_file;  // --token-file; empty: mutating routes answer 403
  CommandRouteDeps commands;
  http::StandardRoutes standard;
};

// Builds the router and starts the server; --listen and --token-file errors
// are invalid-spec and name the option.
model::Result<std::unique_ptr<http::Server>> start_http_server(HttpSetup setup);

}  // namespace rwd::cli
