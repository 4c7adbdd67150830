#include <spdlog/spdlog.h>

#include <condition_variable>
#include <thread>
#include <mutex>
#include <ostream>

#include "files.hpp"
#include "rewind/docker/client.hpp"
#include "rewind/docker/environment.hpp"
#include "rewind/docker/events.hpp"
#include "rewind/docker/platform.hpp"
#include "rewind/execute/http_health_probe.hpp"
#include "rewind/execute/release_reconciler.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/http/client.hpp"
#include "rewind/http/server.hpp"
#include "rewind/model/codec.hpp"
#include "rewind/runtime/controller.hpp"
#include "rewind/runtime/metrics.hpp"
#include "rewind/runtime/signals.hpp"
#include "rewind/runtime/store.hpp"
#include "rewind/runtime/work_queue.hpp"
#include "rewind/source/directory_source.hpp"
#include "watch_support.hpp"

namespace rwd::cli {
namespace fs = std::filesystem;

namespace {

// The read-only API serves what rewind wrote last to the state directory.
class StateProvider final : public http::ResourceProvider {
 public:
  explicit StateProvider(history::StatusStore& status) : status_(status) {}
  [[nodiscard]] std::vector<model::Json> releases() const override {
    return all(history::StatusKind::kRelease);
  }
  [[nodiscard]] std::optional<model::Json> release(const model::ObjectKey& key) const override {
    auto r = status_.read_release(key);
    if (!r || !*r) return std::nullopt;
    return model::to_json(**r);
  }
  [[nodiscard]] std::vector<model::Json> rollbacks() const override {
    return all(history::StatusKind::kRollback);
  }
  [[nodiscard]] std::optional<model::Json> rollback(const model::ObjectKey& key) const override {
    auto r = status_.read_rollback(key);
    if (!r || !*r) return std::nullopt;
    return model::to_json(**r);
  }

 private:
  std::vector<model::Json> all(history::StatusKind kind) const {
    std::vector<model::Json> out;
    auto keys = status_.list(kind);
    if (!keys) return out;
    for (const auto& k : *keys) {
      auto j = kind == history::StatusKind::kRelease ? release(k) : rollback(k);
      if (j) out.push_back(std::move(*j));
    }
    return out;
  }
  history::StatusStore& status_;
};

model::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

int run_watcher(const WatchConfig& config, std::ostream& err) {
  // State.
  auto histories = history::FileHistoryStore::open({config.state_dir, {}});
  auto statuses = history::FileStatusStore::open({config.state_dir, {}});
  if (!histories || !statuses) {
    err << "rewind watch: state directory " << config.state_dir.string() << ": "
        << (!histories ? histories.error().message : statuses.error().message) << "\n";
    return 1;
  }

  // Docker.
  auto endpoint = config.docker ? http::parse_endpoint(*config.docker)
                                : docker::endpoint_from_environment();
  if (!endpoint) {
    err << "rewind watch: Docker endpoint: " << endpoint.error().message << "\n";
    return 2;
  }
  auto http_client = http::make_client(*endpoint);
  if (!http_client) {
    err << "rewind watch: " << http_client.error().message << "\n";
    return 1;
  }
  auto docker_client = docker::Client::connect(std::move(*http_client));
  if (!docker_client) {
    err << "rewind watch: cannot use the Docker Engine at " << endpoint->str() << ": "
        << docker_client.error().error.message << "\n";
    return 1;
  }
  spdlog::info("Docker Engine {} at {}", (*docker_client)->engine().version, endpoint->str());
  const docker::ApiVersion api_version = (*docker_client)->api_version();
  auto events_http = http::make_client(*endpoint);  // its own connection for the stream
  if (!events_http) {
    err << "rewind watch: " << events_http.error().message << "\n";
    return 1;
  }
  docker::EventWatcher events(std::move(*events_http), api_version);
  docker::DockerPlatform platform(std::move(*docker_client));
  execute::HttpHealthProbe probe;

  // Runtime.
  runtime::Metrics metrics;
  runtime::ControllerMetrics cm = runtime::register_controller_metrics(metrics);
  runtime::Store store;
  const runtime::Clock& clock = runtime::SystemClock::instance();
  runtime::WorkQueue queue(clock);
  source::DirectorySource dir_source({config.dir, {}, std::chrono::milliseconds(100),
                                      std::chrono::seconds(1), std::chrono::seconds(1), {}},
                                     store, clock);

  execute::ReconcilerDeps deps{
      platform, probe, **histories, **statuses, now,
      [&](const model::Release& r) -> model::Result<model::EnvFileContents> {
        auto entry = store.get(runtime::release_ref(r.metadata.ns, r.metadata.name));
        fs::path file = entry ? fs::path(entry->origin) : fs::path();
        if (file.is_relative()) file = config.dir / file;
        std::vector<model::FieldError> errors;
        auto contents = read_env_files(r.spec, file.parent_path(), errors);
        if (!errors.empty()) {
          return model::Error::invalid_spec(file.string() + ": " + errors.front().path + ": " +
                                            errors.front().message);
        }
        return contents;
      },
      config.dry_run,
      [&](const model::ObjectKey&, const reconcile::Step& step, const execute::StepResult& r,
          model::Duration took) {
        if (r.state == execute::StepState::kWaiting) return;
        cm.step_duration.with({reconcile::step_name(step.kind())})
            .observe(std::chrono::duration<double>(took).count());
        if (const auto* inc = step.as<reconcile::step::RecordIncident>()) {
          cm.rollbacks.with({inc->reason}).inc();
        }
      }};
  execute::ReleaseReconciler reconciler(deps);

  runtime::ReconcileFn reconcile_fn = [&](const runtime::ObjectRef& ref) -> model::Result<runtime::Action> {
    if (ref.kind == runtime::Kind::kRollback) {
      if (auto rb = store.get_rollback(ref.key)) {
        queue.add(runtime::release_ref(ref.key.ns, rb->spec.release_name));
      }
      return runtime::Action::await_change();
    }
    auto rel = store.get_release(ref.key);
    if (!rel) {
      reconciler.forget(ref.key);
      return runtime::Action::await_change();
    }
    std::vector<model::Rollback> rollbacks;
    for (const auto& e : store.list(runtime::Kind::kRollback)) {
      const auto& rb = std::get<model::Rollback>(*e.object);
      if (rb.metadata.ns == ref.key.ns && rb.spec.release_name == ref.key.name) rollbacks.push_back(rb);
    }
    const execute::ReconcileOutcome outcome = reconciler.reconcile(*rel, rollbacks);
    if (outcome.error) {
      spdlog::error("{}: {}", ref.key.str(), outcome.error->message);
      return *outcome.error;
    }
    if (auto after = outcome.action.requeue()) return runtime::Action::requeue(*after);
    return runtime::Action::requeue(config.resync);  // level-triggered: look again later
  };
  runtime::ControllerOptions copts;
  copts.name = "rewind";
  copts.workers = config.workers;
  copts.on_outcome = [&](const runtime::ReconcileOutcome& o) {
    cm.reconciles.with({o.error ? "error" : "success"}).inc();
    cm.queue_depth.set(static_cast<double>(queue.len()));
  };
  runtime::Controller controller(queue, clock, reconcile_fn, copts);
  const std::uint64_t subscription = store.subscribe([&](const runtime::Event& e) { queue.add(e.ref); });

  dir_source.on_diagnostics([&](const std::vector<model::Diagnostic>& diags) {
    for (const auto& d : diags) {
      spdlog::error("{}", d.str());
      cm.source_errors.with({"directory"}).inc();
    }
  });

  // HTTP.
  auto listen = http::parse_listen_address(config.listen);
  if (!listen) {
    err << "rewind watch: --listen: " << listen.error().message << "\n";
    return 2;
  }
  http::Router router;
  http::add_standard_routes(
      router, {[&] {
                 return dir_source.has_synced()
                            ? http::Readiness{true, ""}
                            : http::Readiness{false, "the first list of " + config.dir.string() +
                                                         " is not finished"};
               },
               [&] { return metrics.render(); },
               std::make_shared<StateProvider>(**statuses)});
  http::ServerOptions sopts;
  sopts.listen = *listen;
  http::Server server(sopts, std::move(router));
  if (auto st = server.start(); !st) {
    err << "rewind watch: " << st.error().message << "\n";
    return 1;
  }

  // Stop on SIGTERM/SIGINT.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  auto signals = runtime::SignalWatcher::install([&](int signo) {
    spdlog::info("signal {}: shutting down", signo);
    std::lock_guard lock(mu);
    stopping = true;
    cv.notify_all();
  });
  if (!signals) {
    err << "rewind watch: " << signals.error().message << "\n";
    return 1;
  }

  if (auto st = dir_source.start(); !st) {
    err << "rewind watch: " << st.error().message << "\n";
    return 1;
  }
  controller.start();
  // Container events of a managed service (stopped, died, removed by hand,
  // unhealthy) reconcile its Release at once; the resync catches the rest.
  auto enqueue_matching = [&](const std::string& project, const std::string& service) {
    for (const auto& e : store.list(runtime::Kind::kRelease)) {
      const auto& rel = std::get<model::Release>(*e.object);
      const auto& d = rel.spec.target.docker;
      if (d && d->project == project && d->service == service) queue.add(e.ref);
    }
  };
  std::jthread events_thread([&](std::stop_token stop) {
    const model::Status st = events.run(
        [&](const docker::Event& ev) {
          auto p = ev.attributes.find("com.docker.compose.project");
          auto s = ev.attributes.find("com.docker.compose.service");
          if (p != ev.attributes.end() && s != ev.attributes.end()) enqueue_matching(p->second, s->second);
        },
        [&] {
          for (const auto& e : store.list(runtime::Kind::kRelease)) queue.add(e.ref);
        },
        stop, [](const model::Error& e) { spdlog::warn("Docker events: {}", e.message); });
    if (!st) spdlog::error("Docker events stopped: {}", st.error().message);
  });
  spdlog::info("watching {} (state in {}, HTTP on {}{})", config.dir.string(),
               config.state_dir.string(), server.local_address().str(),
               config.dry_run ? ", dry run" : "");
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stopping; });
  }
  events_thread.request_stop();
  events_thread.join();
  dir_source.stop();
  store.unsubscribe(subscription);
  const runtime::ShutdownReport report = controller.shutdown(std::chrono::seconds(60));
  for (const auto& ref : report.unfinished) {
    spdlog::warn("{}: still reconciling at shutdown; it resumes at its last finished step", ref.str());
  }
  server.stop();
  spdlog::info("stopped");
  return report.clean ? 0 : 1;
}

}  // namespace rwd::cli
