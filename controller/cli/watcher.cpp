// The standalone controller behind `rewind watch`: assembled from the shared
// engine (engine.hpp), then run until SIGTERM/SIGINT.

#include <condition_variable>
#include <mutex>
#include <ostream>
#include <thread>
#include <variant>

#include <spdlog/spdlog.h>

#include "rewind/cli/command_routes.hpp"
#include "rewind/cli/rollback.hpp"
#include "rewind/cli/state_lock.hpp"
#include "rewind/docker/events.hpp"
#include "rewind/history/atomic_file.hpp"
#include "rewind/http/client.hpp"
#include "rewind/http/server.hpp"
#include "rewind/runtime/controller.hpp"
#include "rewind/runtime/metrics.hpp"
#include "rewind/runtime/signals.hpp"
#include "rewind/runtime/store.hpp"
#include "rewind/runtime/work_queue.hpp"
#include "rewind/source/directory_source.hpp"
#include "rewind/source/docker_container_lister.hpp"
#include "rewind/source/docker_label_source.hpp"

#include "engine.hpp"
#include "files.hpp"
#include "service_support.hpp"
#include "state_provider.hpp"
#include "watch_support.hpp"

namespace rwd::cli {
namespace fs = std::filesystem;

namespace {

source::DirectorySourceOptions source_options(fs::path root, std::string name,
                                              model::Duration debounce) {
  source::DirectorySourceOptions o;
  o.root = std::move(root);
  o.name = std::move(name);
  o.debounce = debounce;
  return o;
}

// Everything `rewind watch` runs, wired together. start() brings it up,
// wait() blocks until a signal, stop() takes it down in order.
class WatchService {
 public:
  WatchService(const WatchConfig& config, Engine& engine)
      : config_(config),
        engine_(engine),
        cm_(runtime::register_controller_metrics(metrics_)),
        queue_(clock_),
        requests_(source_options(config.state_dir / kRequestsDir,
                                 "requests:" + (config.state_dir / kRequestsDir).string(),
                                 config.debounce),
                  store_, clock_),
        controller_(
            queue_, clock_, [this](const runtime::ObjectRef& ref) { return reconcile(ref); },
            controller_options()) {
    engine_.make_reconciler(
        [this](const model::Release& r) { return env_files(r); }, config.dry_run,
        [this](const model::ObjectKey&, const reconcile::Step& step, const execute::StepResult& r,
               model::Duration took) { count_step(step, r, took); },
        [this](const model::Release& r) { return base_dir(r); }, &commands_);
  }

  // Start-up problems come back with what to do about them.
  model::Status start();
  // Until SIGTERM or SIGINT.
  void wait();
  // Returns the exit code: 0 when every reconcile in flight finished.
  int stop();

 private:
  runtime::ControllerOptions controller_options();
  model::Result<model::EnvFileContents> env_files(const model::Release& r);
  fs::path base_dir(const model::Release& r);
  model::Result<runtime::Action> reconcile(const runtime::ObjectRef& ref);
  void count_step(const reconcile::Step& step, const execute::StepResult& r, model::Duration took);
  model::Status start_http();
  model::Status start_sources();
  void start_events();
  void enqueue_service(const std::string& project, const std::string& service);
  model::Status start_label_source();
  void on_container_event(const docker::Event& ev);
  http::Readiness readiness() const;

  const WatchConfig& config_;
  Engine& engine_;
  runtime::Metrics metrics_;
  runtime::ControllerMetrics cm_;
  runtime::Store store_;
  const runtime::Clock& clock_ = runtime::SystemClock::instance();
  runtime::WorkQueue queue_;
  std::unique_ptr<source::DirectorySource> dir_source_;  // when --dir is given
  // Releases from container labels, with a Docker client of their own and a
  // thread that resyncs them every --resync.
  std::unique_ptr<docker::Client> labels_client_;
  std::unique_ptr<source::DockerContainerLister> labels_lister_;
  std::unique_ptr<source::DockerLabelSource> labels_;
  std::jthread labels_thread_;
  source::DirectorySource requests_;  // <state-dir>/requests: Rollbacks from `rewind rollback`
  runtime::Controller controller_;
  execute::CommandBox commands_;  // promote/abort/retry from the HTTP API
  std::uint64_t subscription_ = 0;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<docker::EventWatcher> events_;
  std::jthread events_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::unique_ptr<runtime::SignalWatcher> signals_;
};

runtime::ControllerOptions WatchService::controller_options() {
  runtime::ControllerOptions o;
  o.name = "rewind";
  o.workers = config_.workers;
  o.on_outcome = [this](const runtime::ReconcileOutcome& out) {
    cm_.reconciles.with({out.error ? "error" : "success"}).inc();
    cm_.queue_depth.set(static_cast<double>(queue_.len()));
  };
  return o;
}

// The folder of the Release's file, where its relative paths start (the watched directory for a
// Release from labels or the requests folder).
fs::path WatchService::base_dir(const model::Release& r) {
  auto entry = store_.get(runtime::release_ref(r.metadata.ns, r.metadata.name));
  if (!entry || (labels_ && entry->source == labels_->name())) return config_.dir;
  fs::path file(entry->origin);
  if (file.is_relative()) file = config_.dir / file;
  return file.parent_path();
}

// envFiles are read relative to the file that names the Release.
model::Result<model::EnvFileContents> WatchService::env_files(const model::Release& r) {
  auto entry = store_.get(runtime::release_ref(r.metadata.ns, r.metadata.name));
  if (entry && labels_ && entry->source == labels_->name()) return model::EnvFileContents{};
  std::vector<model::FieldError> errors;
  const fs::path base = base_dir(r);
  auto contents = read_env_files(r.spec, base, errors);
  if (!errors.empty()) {
    fs::path file = entry ? fs::path(entry->origin) : fs::path(r.metadata.key().str());
    if (file.is_relative()) file = config_.dir / file;
    return model::Error::invalid_spec(file.string() + ": " + errors.front().path + ": " +
                                      errors.front().message);
  }
  return contents;
}

model::Result<runtime::Action> WatchService::reconcile(const runtime::ObjectRef& ref) {
  if (ref.kind == runtime::Kind::kRollback) {
    if (auto rb = store_.get_rollback(ref.key)) {
      queue_.add(runtime::release_ref(ref.key.ns, rb->spec.release_name));
    }
    return runtime::Action::await_change();
  }
  const auto entry = store_.get(ref);
  auto rel = store_.get_release(ref.key);
  if (!entry || !rel) {
    engine_.reconciler->forget(ref.key);
    return runtime::Action::await_change();
  }
  if (entry->source == requests_.name()) {
    spdlog::warn("{}: a Release in {} is ignored: only Rollbacks are read from there",
                 ref.key.str(), (config_.state_dir / kRequestsDir).string());
    return runtime::Action::await_change();
  }
  return reconcile_release(*engine_.reconciler, *rel, store_, config_.resync);
}

void WatchService::count_step(const reconcile::Step& step, const execute::StepResult& r,
                              model::Duration took) {
  if (r.state == execute::StepState::kWaiting) return;
  cm_.step_duration.with({reconcile::step_name(step.kind())})
      .observe(std::chrono::duration<double>(took).count());
  if (const auto* inc = step.as<reconcile::step::RecordIncident>()) {
    cm_.rollbacks.with({inc->reason}).inc();
  }
}

http::Readiness WatchService::readiness() const {
  if (dir_source_ && !dir_source_->has_synced()) {
    return {false, "the first list of " + config_.dir.string() + " is not finished"};
  }
  if (!requests_.has_synced()) {
    return {false, "the first list of the requests directory is not finished"};
  }
  if (labels_ && !labels_->has_synced()) {
    return {false, "the first list of labelled containers is not finished"};
  }
  return {true, ""};
}

model::Status WatchService::start_http() {
  auto server = start_http_server(
      {config_.listen,
       config_.token_file,
       {commands_, stored_status(store_, *engine_.statuses),
        [this](const model::ObjectKey& key) { queue_.add(runtime::release_ref(key.ns, key.name)); },
        [] {
          return std::chrono::time_point_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now());
        }},
       {[this] { return readiness(); }, [this] { return metrics_.render(); },
        std::make_shared<StateProvider>(*engine_.statuses, *engine_.histories)}});
  if (!server) return server.error();
  server_ = std::move(*server);
  return {};
}

model::Status WatchService::start_sources() {
  auto on_diagnostics = [this](const std::vector<model::Diagnostic>& diags) {
    for (const auto& d : diags) {
      spdlog::error("{}", d.str());
      cm_.source_errors.with({"directory"}).inc();
    }
  };
  requests_.on_diagnostics(on_diagnostics);
  if (auto st = history::ensure_directory(config_.state_dir / kRequestsDir); !st) return st;
  if (!config_.dir.empty()) {
    dir_source_ = std::make_unique<source::DirectorySource>(
        source_options(config_.dir, "directory:" + config_.dir.string(), config_.debounce), store_,
        clock_);
    dir_source_->on_diagnostics(on_diagnostics);
    if (auto st = dir_source_->start(); !st) return st;
  }
  if (auto st = requests_.start(); !st) return st;
  return config_.docker_labels ? start_label_source() : model::Status{};
}

model::Status WatchService::start_label_source() {
  auto http = http::make_client(engine_.endpoint);  // its own connection
  if (!http) return http.error();
  auto client = docker::Client::connect(std::move(*http));
  if (!client) return client.error().error;
  labels_client_ = std::move(*client);
  std::vector<std::string> filters;
  if (config_.label_project)
    filters.push_back("com.docker.compose.project=" + *config_.label_project);
  labels_lister_ = std::make_unique<source::DockerContainerLister>(*labels_client_, filters);
  labels_ = std::make_unique<source::DockerLabelSource>(
      [this] { return labels_lister_->list(); },
      [this](const model::ObjectKey& key) { return engine_.statuses->read_release(key); }, store_);
  labels_->on_diagnostics([this](const std::vector<model::Diagnostic>& diags) {
    for (const auto& d : diags) {
      spdlog::error("{}", d.str());
      cm_.source_errors.with({"docker-labels"}).inc();
    }
  });
  if (auto st = labels_->resync(); !st) {
    spdlog::warn("Docker labels: {} (retrying every {})", st.error().message,
                 model::format_duration(config_.resync));
  }
  labels_thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    while (!stop.stop_requested()) {
      (void)cv.wait_for(lock, stop, config_.resync, [] { return false; });
      if (stop.stop_requested()) break;
      if (auto st = labels_->resync(); !st) spdlog::warn("Docker labels: {}", st.error().message);
    }
  });
  return {};
}

// Container events of a managed service (stopped, died, removed by hand,
// unhealthy) reconcile its Release within seconds; the resync catches the
// rest. Not at once: `docker compose up` stops, renames, creates and starts
// in a burst of events, and a reconcile in the middle of it would see the
// old container stopped and start it again, fighting compose.
constexpr std::chrono::seconds kComposeSettle{2};

void WatchService::enqueue_service(const std::string& project, const std::string& service) {
  for (const auto& e : store_.list(runtime::Kind::kRelease)) {
    const auto& d = std::get<model::Release>(*e.object).spec.target.docker;
    if (d && d->project == project && d->service == service)
      queue_.add_after(e.ref, kComposeSettle);
  }
}

void WatchService::on_container_event(const docker::Event& ev) {
  if (ev.type == "image") {
    engine_.platform->image_event();
    return;
  }
  if (labels_) labels_->on_event(ev);  // a new compose container is a new desired state
  auto p = ev.attributes.find("com.docker.compose.project");
  auto s = ev.attributes.find("com.docker.compose.service");
  if (p != ev.attributes.end() && s != ev.attributes.end()) {
    engine_.platform->container_event(p->second, s->second);  // before anyone lists again
    enqueue_service(p->second, s->second);
  }
}

void WatchService::start_events() {
  events_thread_ = std::jthread([this](std::stop_token stop) {
    const model::Status st =
        events_->run([&](const docker::Event& ev) { on_container_event(ev); },
                     [&] {
                       // Events may have been missed: nothing listed before counts.
                       engine_.platform->events_up();
                       if (labels_) (void)labels_->resync();
                       for (const auto& e : store_.list(runtime::Kind::kRelease)) queue_.add(e.ref);
                     },
                     stop,
                     [&](const model::Error& e) {
                       engine_.platform->events_down();
                       spdlog::warn("Docker events: {}", e.message);
                     });
    engine_.platform->events_down();
    if (!st) spdlog::error("Docker events stopped: {}", st.error().message);
  });
}

model::Status WatchService::start() {
  auto events_http = http::make_client(engine_.endpoint);  // its own connection for the stream
  if (!events_http) return events_http.error();
  // Image events too: they keep the platform's memory of present images true.
  docker::EventWatchOptions event_options;
  event_options.filters = {{"type", {"container", "image"}}};
  events_ = std::make_unique<docker::EventWatcher>(std::move(*events_http), engine_.api_version,
                                                   event_options);
  subscription_ = store_.subscribe([this](const runtime::Event& e) { queue_.add(e.ref); });
  if (auto st = start_http(); !st) return st;
  auto signals = runtime::SignalWatcher::install([this](int signo) {
    spdlog::info("signal {}: shutting down", signo);
    const std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  });
  if (!signals) return signals.error();
  signals_ = std::move(*signals);
  if (auto st = start_sources(); !st) return st;
  controller_.start();
  start_events();
  std::string sources = config_.dir.empty() ? "" : config_.dir.string() + ", ";
  sources += (config_.state_dir / kRequestsDir).string();
  if (labels_) {
    sources += ", container labels" +
               (config_.label_project ? " of compose project " + *config_.label_project : "");
  }
  spdlog::info("watching {} (state in {}, HTTP on {}{})", sources, config_.state_dir.string(),
               server_->local_address().str(), config_.dry_run ? ", dry run" : "");
  return {};
}

void WatchService::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_; });
}

int WatchService::stop() {
  if (events_thread_.joinable()) {
    events_thread_.request_stop();
    events_thread_.join();
  }
  if (labels_thread_.joinable()) {
    labels_thread_.request_stop();
    labels_thread_.join();
  }
  if (dir_source_) dir_source_->stop();
  requests_.stop();
  if (subscription_ != 0) store_.unsubscribe(subscription_);
  const runtime::ShutdownReport report = controller_.shutdown(std::chrono::seconds(60));
  for (const auto& ref : report.unfinished) {
    spdlog::warn("{}: still reconciling at shutdown; it resumes at its last finished step",
                 ref.str());
  }
  if (server_) server_->stop();
  spdlog::info("stopped");
  return report.clean ? 0 : 1;
}

// One watcher per state directory: the lock, or why not.
std::optional<StateLock> lock_state_dir(const fs::path& state_dir, std::ostream& err) {
  if (auto st = history::ensure_directory(state_dir); !st) {
    err << "rewind watch: state directory: " << st.error().message << "\n";
    return std::nullopt;
  }
  auto lock = StateLock::try_acquire(state_dir, "rewind watch");
  if (!lock) {
    err << "rewind watch: " << lock.error().message << "\n";
    return std::nullopt;
  }
  if (auto* holder = std::get_if<LockHolder>(&*lock)) {
    err << "rewind watch: the state directory " << state_dir.string() << " is in use by "
        << holder->describe() << "; only one watcher may use a state directory (stop the other "
        << "one, or give this one its own --state-dir)\n";
    return std::nullopt;
  }
  return std::get<StateLock>(std::move(*lock));
}

}  // namespace

int run_watcher(const WatchConfig& config, std::ostream& err) {
  const auto lock = lock_state_dir(config.state_dir, err);
  if (!lock) return 1;
  auto engine = assemble_engine({config.state_dir, config.docker, config.state, config.nginx});
  if (!engine) {
    err << "rewind watch: " << engine.error().message << "\n";
    return exit_code_of(engine.error());
  }
  WatchService service(config, **engine);
  if (auto st = service.start(); !st) {
    err << "rewind watch: " << st.error().message << "\n";
    return exit_code_of(st.error());
  }
  service.wait();
  return service.stop();
}

}  // namespace rwd::cli
