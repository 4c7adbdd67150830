#pragma once
// Internal: the parts of rewind's engine that `rewind watch` and
// `rewind rollback` (without a watcher) share: the state directory's stores,
// the Docker Engine client and platform, the health probe, and a
// ReleaseReconciler over them.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rewind/cli/state_database.hpp"
#include "rewind/docker/platform.hpp"
#include "rewind/execute/http_health_probe.hpp"
#include "rewind/execute/release_reconciler.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/http/endpoint.hpp"
#include "rewind/notify/webhook.hpp"
#include "rewind/postgres/database_target.hpp"

#include "router_options.hpp"

namespace rwd::cli {

using EnvFilesFn = decltype(execute::ReconcilerDeps::env_files);
using StepHook = decltype(execute::ReconcilerDeps::on_step);
// Where a Release's relative paths start (the folder of its file).
using BaseDirFn = std::function<std::filesystem::path(const model::Release&)>;

struct EngineConfig {
  std::filesystem::path state_dir;
  std::optional<std::string> docker;   // nullopt: DOCKER_HOST or the local socket
  std::optional<StateDatabase> state;  // --state postgres://: history and status there
  NginxOptions nginx{};                // blue-green's router (--nginx-*); none by default
};

struct Engine {
  // The state directory's files, or PostgreSQL with --state (state_postgres.hpp).
  std::shared_ptr<history::HistoryStore> histories;
  std::shared_ptr<history::StatusStore> statuses;
  http::Endpoint endpoint;         // of the Docker Engine
  docker::ApiVersion api_version;  // negotiated with it
  std::unique_ptr<docker::DockerPlatform> platform;
  execute::HttpHealthProbe probe;
  ConfiguredRouter router;  // blue-green's; no router without --nginx-upstream-dir
  std::unique_ptr<postgres::PostgresDatabase> database;  // after make_reconciler()
  // spec.notify webhooks, sent from a background thread (drained for a few
  // seconds when the engine goes away).
  std::unique_ptr<notify::WebhookNotifier> notifier;       // after make_reconciler()
  std::unique_ptr<execute::ReleaseReconciler> reconciler;  // after make_reconciler()

  // The reconciler over this engine's platform, probe, stores and the
  // PostgreSQL database of each Release's spec.migration. `base_dir` unset:
  // relative paths start in the working directory.
  // `commands`: where promote/abort/retry come from (the watcher's HTTP API).
  void make_reconciler(EnvFilesFn env_files, bool dry_run, StepHook on_step,
                       BaseDirFn base_dir = {}, execute::CommandBox* commands = nullptr);
};

// Opens the stores and connects to the Docker Engine. Errors say what to do;
// an invalid --docker value is invalid-spec (exit 2), the rest exit 1.
model::Result<std::unique_ptr<Engine>> assemble_engine(const EngineConfig& config);

// The exit code for an assembly error.
int exit_code_of(const model::Error& e);

}  // namespace rwd::cli
