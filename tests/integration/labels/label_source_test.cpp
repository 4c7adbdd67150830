// Releases from Docker labels, end to end in this process: containers made
// the way `docker compose up` makes them (compose labels, <project>-api-1,
// a published port, an exec-form healthcheck) carrying rewind.dev/* labels;
// the real DockerLabelSource fed by the Engine's /events stream, the real
// ReleaseReconciler on the Docker platform and a state directory. Every
// assertion is on the outside: what the Engine says runs, what the service
// answers on /version, what the state files say, what the store holds.

#include <chrono>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/docker/client.hpp"
#include "rewind/docker/environment.hpp"
#include "rewind/docker/events.hpp"
#include "rewind/docker/platform.hpp"
#include "rewind/execute/http_health_probe.hpp"
#include "rewind/execute/release_reconciler.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/http/client.hpp"
#include "rewind/runtime/store.hpp"
#include "rewind/source/docker_container_lister.hpp"
#include "rewind/source/docker_label_source.hpp"

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::Not;
using namespace std::chrono_literals;

model::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::unique_ptr<docker::Client> connect() {
  auto ep = docker::endpoint_from_environment();
  EXPECT_TRUE(ep.ok());
  auto http = http::make_client(ep.value());
  EXPECT_TRUE(http.ok());
  auto client = docker::Client::connect(std::move(http.value()));
  EXPECT_TRUE(client.ok()) << client.error().message();
  return client ? std::move(client.value()) : nullptr;
}

class LabelSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
    lister_client_ = connect();
    auto platform_client = connect();
    ASSERT_TRUE(lister_client_ && platform_client);
    platform_ = std::make_unique<docker::DockerPlatform>(
        std::move(platform_client), docker::DockerPlatformOptions{svc_.state() / "containers"});
    histories_ = std::move(history::FileHistoryStore::open({svc_.state(), {}}).value());
    statuses_ = std::move(history::FileStatusStore::open({svc_.state(), {}}).value());
    reconciler_ = std::make_unique<execute::ReleaseReconciler>(
        execute::ReconcilerDeps{*platform_,
                                probe_,
                                *histories_,
                                *statuses_,
                                now,
                                [](const model::Release&) -> model::Result<model::EnvFileContents> {
                                  return model::EnvFileContents{};
                                },
                                false,
                                {}});
    // Only this test's project: other tests on this Engine label their
    // containers too.
    lister_ = std::make_unique<source::DockerContainerLister>(
        *lister_client_, std::vector<std::string>{"com.docker.compose.project=" + svc_.project()});
    source_ = std::make_unique<source::DockerLabelSource>(
        [this] { return lister_->list(); },
        [this](const model::ObjectKey& k) { return statuses_->read_release(k); }, store_);
    source_->on_diagnostics([this](const std::vector<model::Diagnostic>& d) {
      for (const auto& e : d) diagnostics_.push_back(e.str());
    });
    // As the watcher wires it: every (re)connect of the event stream lists
    // again, and container events of labelled containers resync.
    auto ep = docker::endpoint_from_environment();
    auto events_http = http::make_client(ep.value());
    ASSERT_TRUE(events_http.ok());
    events_ = std::make_unique<docker::EventWatcher>(std::move(events_http.value()),
                                                     lister_client_->api_version());
    events_thread_ = std::jthread([this](std::stop_token stop) {
      (void)events_->run([this](const docker::Event& e) { source_->on_event(e); },
                         [this] { (void)source_->resync(); }, stop);
    });
    ASSERT_TRUE(eventually([&] { return source_->has_synced(); }, 30s));
  }

  void TearDown() override {
    events_thread_.request_stop();
    if (events_thread_.joinable()) events_thread_.join();
    if (HasFailure()) std::cerr << svc_.describe();
  }

  [[nodiscard]] std::string name() const { return svc_.project() + "-api-1"; }

  // `docker compose up -d api` after the service's config changed: the old
  // container goes, one with the new image and environment takes its name.
  std::string compose_up(const std::string& version, const std::vector<std::string>& env) {
    (void)run_command("docker rm -f " + name());
    const json body = {
        {"Image", "rewind-demo:" + version},
        {"Env", env},
        {"Labels",
         {{"com.docker.compose.project", svc_.project()},
          {"com.docker.compose.service", "api"},
          {"com.docker.compose.container-number", "1"},
          {"com.docker.compose.oneoff", "False"},
          {"com.docker.compose.config-hash", "hash-of-" + version},
          {"rewind.dev/release", "api"},
          {"rewind.dev/namespace", "it"},
          {"rewind.dev/health-path", "/health"},
          {"rewind.dev/health-interval", "500ms"},
          {"rewind.dev/health-failure-threshold", "2"},
          {"rewind.dev/analysis-window", "2s"},
          {"rewind.dev/analysis-interval", "500ms"},
          {"rewind.dev/progress-deadline", "1m"},
          {kTestLabel, test_prefix()}}},
        {"ExposedPorts", {{"8080/tcp", json::object()}}},
        {"Healthcheck",
         {{"Test", {"CMD", "/demo-app", "--check"}}, {"Interval", 500'000'000}, {"Retries", 2}}},
        {"HostConfig",
         {{"PortBindings", {{"8080/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", ""}}}}}}}}};
    const HttpResponse created =
        docker_api("POST", "/containers/create?name=" + name(), body.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = json::parse(created.body, nullptr, false).value("Id", "");
    const HttpResponse started = docker_api("POST", "/containers/" + id + "/start");
    EXPECT_EQ(started.status, 204) << started.body;
    return id;
  }

  // Reconciles the store's Release the way the watcher does (waiting as the
  // reconciler asks, at most 300 ms here) until `done` holds.
  template <class Pred>
  bool drive(Pred done, std::chrono::milliseconds limit = 90s) {
    return eventually(
        [&] {
          model::Duration after = 200ms;
          if (auto rel = store_.get_release(key_)) {
            const execute::ReconcileOutcome o = reconciler_->reconcile(*rel, {});
            last_ = o.summary + (o.error ? " / error: " + o.error->message : "");
            after = o.action.requeue().value_or(200ms);
          }
          if (done()) return true;
          std::this_thread::sleep_for(std::min<model::Duration>(after, 300ms));
          return false;
        },
        limit);
  }

  [[nodiscard]] std::string desired_image() const {
    auto r = store_.get_release(key_);
    return r ? r->spec.image.value() : "";
  }

  ComposeService svc_{"labels"};
  DockerCleanup cleanup_;
  const model::ObjectKey key_{"it", "api"};
  std::unique_ptr<docker::Client> lister_client_;
  std::unique_ptr<docker::DockerPlatform> platform_;
  execute::HttpHealthProbe probe_;
  std::unique_ptr<history::FileHistoryStore> histories_;
  std::unique_ptr<history::FileStatusStore> statuses_;
  std::unique_ptr<execute::ReleaseReconciler> reconciler_;
  runtime::Store store_;
  std::unique_ptr<source::DockerContainerLister> lister_;
  std::unique_ptr<source::DockerLabelSource> source_;
  std::unique_ptr<docker::EventWatcher> events_;
  std::jthread events_thread_;
  std::vector<std::string> diagnostics_;
  std::string last_;
};

TEST_F(LabelSourceTest, AdoptedThenRolledBackWhenANewContainerFailsThenForgottenWhenDown) {
  // 1. compose created v2: the Release appears with the container's spec and
  //    the container is adopted as revision 1 as it runs.
  const std::string v2_id = compose_up("v2", {"LOG_LEVEL=info"});
  ASSERT_TRUE(eventually([&] { return desired_image() == "rewind-demo:v2"; }, 30s));
  {
    const auto rel = store_.get_release(key_);
    EXPECT_EQ(rel->spec.target.docker, (model::DockerTarget{svc_.project(), "api"}));
    EXPECT_EQ(rel->spec.config.env, (std::map<std::string, std::string>{{"LOG_LEVEL", "info"}}))
        << "DEMO_VERSION comes from the image: not the service's configuration";
    ASSERT_TRUE(rel->spec.health_check && rel->spec.health_check->http);
    EXPECT_EQ(*rel->spec.health_check->http, (model::HttpCheck{"/health", 8080, "http"}))
        << "the port is the one the container exposes";
    EXPECT_EQ(rel->spec.health_check->failure_threshold, 2);
    ASSERT_TRUE(rel->spec.analysis);
    EXPECT_EQ(rel->spec.analysis->window, 2s);
    const auto entry = store_.get(runtime::release_ref("it", "api"));
    EXPECT_EQ(entry->source, "docker-labels");
    EXPECT_EQ(entry->origin, "docker:" + name());
  }
  ASSERT_TRUE(drive([&] { return svc_.stable_at(1) && svc_.served_version() == "v2"; })) << last_;
  auto all = svc_.containers();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0]["Id"], v2_id) << "adopted, not recreated";

  // 2. compose replaced it with v3, which never becomes healthy (and sets a
  //    variable v2 never had): rewind puts v2 back on its own.
  const std::string v3_id =
      compose_up("v3", {"LOG_LEVEL=debug", "DEMO_HEALTHY=false", "FEATURE_X=on"});
  ASSERT_TRUE(eventually([&] { return desired_image() == "rewind-demo:v3"; }, 30s));
  ASSERT_TRUE(drive([&] {
    return svc_.outcomes() == std::vector<std::string>{"Healthy", "FailedHealth"} &&
           svc_.stable_at(1) && svc_.status()["status"].value("phase", "") == "RolledBack" &&
           svc_.served_version() == "v2";
  })) << last_;
  all = svc_.containers();
  ASSERT_EQ(all.size(), 1U) << "the failed v3 container is removed once v2 is stable";
  const json& c = all[0];
  EXPECT_NE(c["Id"], v3_id);
  EXPECT_EQ(c["Name"], "/" + name());
  EXPECT_EQ(c["Config"]["Image"], "rewind-demo:v2");
  EXPECT_EQ(c["Config"]["Labels"]["rewind.dev/revision"], "1");
  EXPECT_EQ(c["Config"]["Labels"]["rewind.dev/release"], "it/api");
  const auto env = c["Config"]["Env"].get<std::vector<std::string>>();
  EXPECT_THAT(env, Contains("LOG_LEVEL=info"));
  EXPECT_THAT(env, Contains("DEMO_VERSION=v2"));
  EXPECT_THAT(env, Not(Contains("DEMO_HEALTHY=false"))) << "v3's variables do not leak into v2";
  EXPECT_THAT(env, Not(Contains("FEATURE_X=on")));
  EXPECT_EQ(c["Config"]["Healthcheck"]["Test"], json({"CMD", "/demo-app", "--check"}));
  const json st = svc_.status()["status"];
  EXPECT_EQ(st["phase"], "RolledBack");
  EXPECT_EQ(st["lastRollback"]["trigger"], "Automatic");
  EXPECT_EQ(st["lastRollback"]["from"], 2);
  EXPECT_EQ(st["lastRollback"]["to"], 1);
  EXPECT_EQ(desired_image(), "rewind-demo:v3") << "the desired state stays what compose created";
  EXPECT_EQ(svc_.status()["spec"]["image"], "rewind-demo:v3");

  // Not retried: more passes, more resyncs, nothing moves.
  const json serving = c["Id"];
  ASSERT_TRUE(source_->resync().ok());
  (void)drive([] { return false; }, 3s);
  all = svc_.containers();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0]["Id"], serving);
  EXPECT_EQ(svc_.outcomes().size(), 2U);
  EXPECT_TRUE(diagnostics_.empty()) << ::testing::PrintToString(diagnostics_);

  // 3. docker compose down (here: docker rm -f): the Release is forgotten,
  //    from the destroy event alone, and nothing is created again.
  const CommandResult rm = run_command("docker rm -f " + name());
  ASSERT_EQ(rm.exit_code, 0) << rm.output;
  ASSERT_TRUE(eventually([&] { return store_.get_release(key_) == nullptr; }, 30s));
  reconciler_->forget(key_);
  (void)drive([] { return false; }, 2s);
  EXPECT_TRUE(svc_.containers().empty());
  EXPECT_EQ(svc_.outcomes().size(), 2U) << "history is kept";
}

// The same story through the real `rewind watch` binary with no --dir:
// labels are its only source of Releases.
TEST_F(LabelSourceTest, TheWatcherAloneManagesALabelledService) {
  const std::string v2_id = compose_up("v2", {"LOG_LEVEL=info"});
  const auto log = svc_.log("labels");
  Watcher watcher({}, svc_.state(), log, WatcherOptions{{}, "2s", svc_.project(), {}});
  const auto dump_log = [&] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(1) && svc_.served_version() == "v2"; }, 90s))
      << dump_log();
  auto all = svc_.containers();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0]["Id"], v2_id) << "adopted, not recreated";

  // compose replaces it with a v3 that never becomes healthy: the watcher
  // sees the new container from the Engine's events and puts v2 back.
  (void)compose_up("v3", {"LOG_LEVEL=debug", "DEMO_HEALTHY=false"});
  ASSERT_TRUE(eventually(
      [&] {
        return svc_.outcomes() == std::vector<std::string>{"Healthy", "FailedHealth"} &&
               svc_.status()["status"].value("phase", "") == "RolledBack" &&
               svc_.served_version() == "v2" && svc_.containers().size() == 1U;
      },
      90s))
      << dump_log();
  const json c = svc_.containers().at(0);
  EXPECT_EQ(c["Config"]["Image"], "rewind-demo:v2");
  EXPECT_EQ(c["Name"], "/" + name());
  EXPECT_EQ(svc_.status()["spec"]["image"], "rewind-demo:v3")
      << "the desired state stays what compose created; it is not retried";
  EXPECT_EQ(watcher.stop(), 0) << dump_log();
}

}  // namespace
}  // namespace rwd::itest
