#include "engine.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "rewind/docker/client.hpp"
#include "rewind/docker/environment.hpp"
#include "rewind/http/client.hpp"

#include "state_postgres.hpp"

namespace rwd::cli {
namespace {

model::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

model::Status open_stores(const EngineConfig& config, Engine& engine) {
  auto in_postgres = open_state_stores(config.state, engine.histories, engine.statuses);
  if (!in_postgres) return in_postgres.error();
  if (*in_postgres) return {};
  auto histories = history::FileHistoryStore::open({config.state_dir, {}});
  if (!histories) {
    return model::Error::terminal("state directory " + config.state_dir.string() + ": " +
                                  histories.error().message);
  }
  auto statuses = history::FileStatusStore::open({config.state_dir, {}});
  if (!statuses) {
    return model::Error::terminal("state directory " + config.state_dir.string() + ": " +
                                  statuses.error().message);
  }
  engine.histories = std::move(*histories);
  engine.statuses = std::move(*statuses);
  return {};
}

model::Status connect_docker(const EngineConfig& config, Engine& engine) {
  auto endpoint =
      config.docker ? http::parse_endpoint(*config.docker) : docker::endpoint_from_environment();
  if (!endpoint) return model::Error::invalid_spec("Docker endpoint: " + endpoint.error().message);
  auto http_client = http::make_client(*endpoint);
  if (!http_client) return http_client.error();
  auto docker_client = docker::Client::connect(std::move(*http_client));
  if (!docker_client) {
    return model::Error::transient("cannot use the Docker Engine at " + endpoint->str() + ": " +
                                   docker_client.error().error.message);
  }
  spdlog::info("Docker Engine {} at {}", (*docker_client)->engine().version, endpoint->str());
  engine.endpoint = *endpoint;
  engine.api_version = (*docker_client)->api_version();
  // Snapshots of each service's container let a removed container be made again.
  engine.platform = std::make_unique<docker::DockerPlatform>(
      std::move(*docker_client), docker::DockerPlatformOptions{config.state_dir / "containers"});
  return {};
}

}  // namespace

void Engine::make_reconciler(EnvFilesFn env_files, bool dry_run, StepHook on_step,
                             BaseDirFn base_dir, execute::CommandBox* commands) {
  postgres::PostgresDatabaseOptions options;
  options.base_dir = std::move(base_dir);
  options.run_in_image = [containers = platform.get()](const execute::OneOffCommand& c) {
    return containers->run_once(c);
  };
  database = std::make_unique<postgres::PostgresDatabase>(std::move(options));
  notifier = std::make_unique<notify::WebhookNotifier>();
  reconciler = std::make_unique<execute::ReleaseReconciler>(execute::ReconcilerDeps{
      *platform, probe, *histories, *statuses, now, std::move(env_files), dry_run,
      std::move(on_step), database.get(), execute::real_metrics(), notifier.get(),
      execute::Traffic{router.router.get(), router.on_network}, commands});
}

model::Result<std::unique_ptr<Engine>> assemble_engine(const EngineConfig& config) {
  auto engine = std::make_unique<Engine>();
  if (auto st = open_stores(config, *engine); !st) return st.error();
  if (auto st = connect_docker(config, *engine); !st) return st.error();
  auto router = make_router(config.nginx, engine->endpoint);
  if (!router)
    return model::Error(router.error().kind, "traffic router: " + router.error().message);
  engine->router = std::move(*router);
  return engine;
}

int exit_code_of(const model::Error& e) { return e.kind == model::ErrorKind::kInvalidSpec ? 2 : 1; }

}  // namespace rwd::cli
