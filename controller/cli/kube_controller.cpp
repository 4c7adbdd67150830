// The Kubernetes-mode controller behind `rewind controller`: Releases and
// Rollbacks from the API server, Deployments as the target, status (and
// history) in the status subresource, a leader Lease, until SIGTERM/SIGINT.

#include "kube_controller.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <thread>
#include <variant>

#include <spdlog/spdlog.h>

#include "rewind/cli/command_routes.hpp"
#include "rewind/execute/http_health_probe.hpp"
#include "rewind/execute/release_reconciler.hpp"
#include "rewind/http/server.hpp"
#include "rewind/kube/api.hpp"
#include "rewind/kube/config.hpp"
#include "rewind/kube/deployment_platform.hpp"
#include "rewind/kube/events.hpp"
#include "rewind/kube/leader.hpp"
#include "rewind/kube/secrets.hpp"
#include "rewind/kube/service_router.hpp"
#include "rewind/kube/source.hpp"
#include "rewind/kube/status_store.hpp"
#include "rewind/postgres/database_target.hpp"
#include "rewind/runtime/controller.hpp"
#include "rewind/runtime/metrics.hpp"
#include "rewind/runtime/signals.hpp"
#include "rewind/runtime/store.hpp"
#include "rewind/runtime/work_queue.hpp"

#include "service_support.hpp"
#include "state_provider.hpp"

namespace rwd::cli {
namespace {

model::Timestamp now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

class KubeService {
 public:
  KubeService(const KubeControllerConfig& config, kube::ClusterConfig cluster)
      : config_(config),
        api_(std::move(cluster)),
        cm_(runtime::register_controller_metrics(metrics_)),
        queue_(clock_),
        stores_(api_),
        platform_(api_),
        router_(api_,
                [this](const model::ObjectKey& key) -> model::Result<kube::ServiceRef> {
                  auto release = store_.get_release(key);
                  if (!release) {
                    return model::Error::transient("Release " + key.ns + "/" + key.name +
                                                   " is not (or no longer) known");
                  }
                  return kube::service_of(*release);
                }),
        source_(api_, store_, config.watch_namespace),
        events_(api_, config.identity.empty() ? kube::default_identity() : config.identity),
        elector_(api_, lease_options()),
        database_(database_options()),
        controller_(
            queue_, clock_, [this](const runtime::ObjectRef& ref) { return reconcile(ref); },
            controller_options()) {
    execute::ReconcilerDeps deps{
        platform_,
        probe_,
        stores_,
        stores_,
        now_ms,
        [](const model::Release&) -> model::Result<model::EnvFileContents> {
          return model::EnvFileContents{};
        },
        config.dry_run,
        [this](const model::ObjectKey& key, const reconcile::Step& step,
               const execute::StepResult& r, model::Duration took) { on_step(key, step, r, took); },
        &database_,
        execute::real_metrics(),
        nullptr,
        execute::Traffic{&router_, true},
        &commands_};
    if (config_.leader_elect) {
      deps.may_act = [this]() -> model::Status {
        if (elector_.is_leader()) return {};
        return model::Error::transient("this controller no longer holds the leader Lease " +
                                       config_.lease_namespace + "/" + config_.lease_name);
      };
    }
    reconciler_ = std::make_unique<execute::ReleaseReconciler>(std::move(deps));
  }

  model::Status start();
  void wait();
  int stop();

 private:
  kube::LeaseOptions lease_options() const {
    kube::LeaseOptions o;
    o.ns = config_.lease_namespace;
    o.name = config_.lease_name;
    o.identity = config_.identity;
    return o;
  }
  // spec.migration: the URL from urlFrom.secretKeyRef (a GET of that
  // Secret in the Release's namespace) or the controller's environment;
  // sql-dir migrations, pg_dump backups and restores run from the
  // controller's process (relative directories start in its working
  // directory: mount them and give absolute paths).
  postgres::PostgresDatabaseOptions database_options() {
    postgres::PostgresDatabaseOptions o;
    o.secrets = [this](const std::string& ns, const model::SecretKeyRef& ref) {
      return kube::secret_value(api_, ns, ref.name, ref.key);
    };
    return o;
  }
  runtime::ControllerOptions controller_options() {
    runtime::ControllerOptions o;
    o.name = "rewind";
    o.workers = config_.workers;
    o.on_outcome = [this](const runtime::ReconcileOutcome& out) {
      cm_.reconciles.with({out.error ? "error" : "success"}).inc();
      cm_.queue_depth.set(static_cast<double>(queue_.len()));
    };
    return o;
  }
  model::Result<runtime::Action> reconcile(const runtime::ObjectRef& ref);
  void on_step(const model::ObjectKey& key, const reconcile::Step& step,
               const execute::StepResult& r, model::Duration took);
  model::Status start_http();
  void start_leading();
  void shut_down(const char* why);
  http::Readiness readiness() const;

  const KubeControllerConfig& config_;
  kube::Api api_;
  runtime::Metrics metrics_;
  runtime::ControllerMetrics cm_;
  // Requests sent to the API server (watches, leases and events included).
  runtime::Counter& api_requests_ =
      metrics_
          .counter("rewind_kube_api_requests_total", "Requests sent to the Kubernetes API server.")
          .with({});
  std::atomic<std::uint64_t> api_requests_seen_{0};
  runtime::Store store_;
  const runtime::Clock& clock_ = runtime::SystemClock::instance();
  runtime::WorkQueue queue_;
  kube::KubeStatusStore stores_;
  kube::DeploymentPlatform platform_;
  kube::ServiceRouter router_;  // blue-green and canary: the Release's Service
  execute::HttpHealthProbe probe_;
  kube::KubeSource source_;
  kube::EventRecorder events_;
  kube::LeaderElector elector_;
  postgres::PostgresDatabase database_;
  execute::CommandBox commands_;
  std::unique_ptr<execute::ReleaseReconciler> reconciler_;
  runtime::Controller controller_;
  std::uint64_t subscription_ = 0;
  std::unique_ptr<http::Server> server_;
  std::jthread elector_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool lost_lease_ = false;
  bool leading_ = false;
  std::unique_ptr<runtime::SignalWatcher> signals_;
};

model::Result<runtime::Action> KubeService::reconcile(const runtime::ObjectRef& ref) {
  if (ref.kind == runtime::Kind::kRollback) {
    if (auto rb = store_.get_rollback(ref.key)) {
      queue_.add(runtime::release_ref(ref.key.ns, rb->spec.release_name));
    }
    return runtime::Action::await_change();
  }
  auto rel = store_.get_release(ref.key);
  if (!rel) {
    reconciler_->forget(ref.key);
    return runtime::Action::await_change();
  }
  return reconcile_release(*reconciler_, *rel, store_, config_.resync);
}

void KubeService::on_step(const model::ObjectKey& key, const reconcile::Step& step,
                          const execute::StepResult& r, model::Duration took) {
  if (r.state != execute::StepState::kWaiting) {
    cm_.step_duration.with({reconcile::step_name(step.kind())})
        .observe(std::chrono::duration<double>(took).count());
  }
  if (const auto* inc = step.as<reconcile::step::RecordIncident>()) {
    cm_.rollbacks.with({inc->reason}).inc();
    events_.record({&kube::kReleases, key, {}}, kube::EventType::kWarning, "RollingBack",
                   step.description);
    return;
  }
  if (r.state == execute::StepState::kWaiting) return;  // a waiting gate says so in status only
  const bool failed = r.state == execute::StepState::kFailed;
  std::string reason = failed ? "StepFailed" : "StepSucceeded";
  events_.record({&kube::kReleases, key, {}},
                 failed ? kube::EventType::kWarning : kube::EventType::kNormal, reason,
                 step.description + (r.message.empty() ? "" : ": " + r.message));
}

http::Readiness KubeService::readiness() const {
  if (!source_.has_synced()) {
    return {false, "the first list of Releases and Rollbacks from the API server is not finished"};
  }
  return {true, ""};
}

model::Status KubeService::start_http() {
  auto server = start_http_server(
      {config_.listen,
       config_.token_file,
       {commands_, stored_status(store_, stores_),
        [this](const model::ObjectKey& key) { queue_.add(runtime::release_ref(key.ns, key.name)); },
        now_ms},
       {[this] { return readiness(); },
        [this] {
          const std::uint64_t now = api_.requests();
          api_requests_.inc(static_cast<double>(now - api_requests_seen_.exchange(now)));
          return metrics_.render();
        },
        std::make_shared<StateProvider>(stores_, stores_)}});
  if (!server) return server.error();
  server_ = std::move(*server);
  return {};
}

void KubeService::shut_down(const char* why) {
  spdlog::info("{}: shutting down", why);
  const std::lock_guard lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

void KubeService::start_leading() {
  {
    const std::lock_guard lock(mu_);
    if (stopping_ || leading_) return;
    leading_ = true;
  }
  spdlog::info("leading: reconciling Releases{}",
               config_.watch_namespace.empty() ? "" : " in namespace " + config_.watch_namespace);
  controller_.start();
  for (const auto& e : store_.list()) queue_.add(e.ref);
}

model::Status KubeService::start() {
  subscription_ = store_.subscribe([this](const runtime::Event& e) { queue_.add(e.ref); });
  if (auto st = start_http(); !st) return st;
  auto signals = runtime::SignalWatcher::install([this](int signo) {
    spdlog::info("signal {}", signo);
    shut_down("signal");
  });
  if (!signals) return signals.error();
  signals_ = std::move(*signals);
  // A broken object: the log, and a Warning Event on it (`kubectl describe`
  // shows the field and what is allowed); its last valid spec stays in force.
  source_.on_diagnostics([this](const kube::ObjectDiagnostics& d) {
    std::string message;
    for (const auto& e : d.errors) {
      spdlog::error("{} {}", d.kind->kind, e.str());
      cm_.source_errors.with({"kubernetes"}).inc();
      message += (message.empty() ? "" : "; ") + e.error.path + ": " + e.error.message;
    }
    events_.record({d.kind, d.key, d.uid}, kube::EventType::kWarning, "InvalidSpec",
                   message + " (the last valid spec stays in force)");
  });
  source_.start();
  spdlog::info("rewind controller: API server {} ({}), HTTP on {}{}", api_.config().endpoint.str(),
               api_.config().source, server_->local_address().str(),
               config_.dry_run ? ", dry run" : "");
  if (!config_.leader_elect) {
    start_leading();
  } else {
    spdlog::info("leader election: waiting for the Lease {}/{} as {}", config_.lease_namespace,
                 config_.lease_name, elector_.options().identity);
    elector_thread_ = std::jthread([this](std::stop_token stop) {
      if (elector_.run(stop, [this] { start_leading(); })) {
        {
          const std::lock_guard lock(mu_);
          lost_lease_ = true;
        }
        shut_down("lost the leader Lease");
      }
    });
  }
  return {};
}

void KubeService::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_; });
}

int KubeService::stop() {
  source_.stop();
  if (subscription_ != 0) store_.unsubscribe(subscription_);
  const runtime::ShutdownReport report = controller_.shutdown(std::chrono::seconds(60));
  for (const auto& ref : report.unfinished) {
    spdlog::warn("{}: still reconciling at shutdown; it resumes at its last finished step",
                 ref.str());
  }
  if (elector_thread_.joinable()) {
    elector_thread_.request_stop();
    elector_thread_.join();
  }
  if (config_.leader_elect) elector_.release();
  if (server_) server_->stop();
  spdlog::info("stopped");
  const std::lock_guard lock(mu_);
  if (lost_lease_) return 1;
  return report.clean ? 0 : 1;
}

}  // namespace

int run_kube_controller(const KubeControllerConfig& config, std::ostream& err) {
  auto cluster = kube::resolve_config(config.kubeconfig, config.context);
  if (!cluster) {
    err << "rewind controller: " << cluster.error().message << "\n";
    return 2;
  }
  KubeService service(config, std::move(*cluster));
  if (auto st = service.start(); !st) {
    err << "rewind controller: " << st.error().message << "\n";
    return st.error().kind == model::ErrorKind::kInvalidSpec ? 2 : 1;
  }
  service.wait();
  return service.stop();
}

}  // namespace rwd::cli
