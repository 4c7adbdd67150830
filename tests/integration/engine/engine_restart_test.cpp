// The Docker Engine restarted under `rewind watch`: the real binary against a
// private dockerd (private_engine.hpp) that the test stops and starts again
// on the same data root — the machine's Engine, which other tests share, is
// never touched. Without live-restore the Engine stops its containers when
// it stops, and starts again only those with a restart policy; a compose
// service without one stays stopped until rewind starts it. Each test ends
// with the watcher alive and the service consistent: one container of the
// service, running the revision the state files call live and answering
// over HTTP with it, no `-rewind-r<N>` leftovers, every revision in history
// with an outcome.

#include <chrono>
#include <iostream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "docker_env.hpp"
#include "engine/engine_service.hpp"
#include "engine/private_engine.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class EngineRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    PrivateEngine::remove_leftovers();
    engine_.emplace();
    ASSERT_TRUE(engine_->load_images({"rewind-demo:v1", "rewind-demo:v2"}));
    svc_.emplace(*engine_, "engine");
  }
  void TearDown() override {
    if (HasFailure() && svc_) {
      std::cerr << "---- rewind watch log ----\n"
                << EngineService::read_text(svc_->log("watch")) << "\n";
    }
    if (HasFailure() && engine_) {
      std::cerr << "---- private dockerd log (" << engine_->dir() << ") ----\n"
                << engine_->log() << "\n";
    }
    svc_.reset();
    engine_.reset();  // every container removed, dockerd stopped, its directory gone
  }

  // `rewind watch` against the private Engine. The resync is five minutes:
  // what repairs the service within seconds is the Engine's event stream
  // (and the resync that follows each reconnect), not the periodic one.
  [[nodiscard]] WatcherOptions watcher_options() const {
    return {.env = {}, .resync = "5m", .args = {"--docker", engine_->host()}};
  }

  // The watcher's HTTP port, from its log line "... HTTP on 127.0.0.1:<port>";
  // 0 when it exited first or never logged it (no_port() says which).
  [[nodiscard]] int watcher_port(Watcher& w) {
    int port = 0;
    eventually([&] {
      std::smatch m;
      const std::string log = EngineService::read_text(svc_->log("watch"));
      if (std::regex_search(log, m, std::regex("HTTP on 127\\.0\\.0\\.1:([0-9]+)"))) {
        port = std::stoi(m[1]);
      }
      if (port == 0 && !watcher_exit_) watcher_exit_ = w.wait_exit(0ms);
      return port != 0 || watcher_exit_.has_value();
    });
    return port;
  }
  // Why there is no port, for the failure message.
  [[nodiscard]] std::string no_port() const {
    if (!watcher_exit_) return "rewind watch runs but logged no HTTP address";
    return "rewind watch exited before it listened, wait status " + std::to_string(*watcher_exit_) +
           " (127: the exec of " + REWIND_BINARY_DIR + "/controller/cli/rewind failed)";
  }

  // Up, and /healthz answers.
  static ::testing::AssertionResult alive(Watcher& w, int http_port) {
    if (const auto status = w.wait_exit(0ms)) {
      return ::testing::AssertionFailure() << "rewind watch exited (wait status " << *status << ")";
    }
    const HttpResponse r = http_get(http_port, "/healthz");
    if (r.status != 200) {
      return ::testing::AssertionFailure()
             << "/healthz answered " << r.status << " " << r.body << r.error;
    }
    return ::testing::AssertionSuccess();
  }

  // More than one container of the service running now?
  bool overlapping() {
    const bool two = svc_->running().size() > 1;
    overlap_seen_ = overlap_seen_ || two;
    return two;
  }

  // Exactly one container of the service: running, under its compose name,
  // with `image`, answering /version with `version`.
  bool serving(const std::string& image, const std::string& version) {
    overlapping();
    const auto all = svc_->containers();
    return all.size() == 1 && all[0]["State"].value("Running", false) &&
           all[0]["Name"] == "/" + svc_->container_name() && all[0]["Config"]["Image"] == image &&
           svc_->served_version() == version;
  }

  // The history record of revision `n` (null when absent).
  [[nodiscard]] nlohmann::json revision(int n) const {
    const auto h = svc_->history();
    if (!h.contains("revisions")) return nullptr;
    for (const auto& r : h["revisions"]) {
      if (r.value("number", 0) == n) return r;
    }
    return nullptr;
  }

  // Settled and consistent: no plan in flight, current == stable, exactly
  // one container of the service, running, under its compose name, with the
  // image of the revision the status calls live, answering /version with
  // that image's tag; every revision in history with a final outcome.
  bool consistent() {
    overlapping();
    const auto s = svc_->status();
    if (!s.contains("status") || s["status"].contains("progress")) return false;
    const int current = s["status"].value("currentRevision", 0);
    if (current == 0 || s["status"].value("stableRevision", 0) != current) return false;
    const auto live = revision(current);
    if (!live.is_object()) return false;
    const std::string image = live["spec"].value("image", "");
    const auto colon = image.rfind(':');
    if (colon == std::string::npos || !serving(image, image.substr(colon + 1))) return false;
    for (const auto& outcome : svc_->outcomes()) {
      if (outcome == "Pending" || outcome == "Live" || outcome.empty()) return false;
    }
    return true;
  }

  std::optional<PrivateEngine> engine_;
  std::optional<EngineService> svc_;
  bool overlap_seen_ = false;
  std::optional<int> watcher_exit_;
};

// The Engine stops (its containers with it) and starts again while rewind
// watches a stable service. The watcher stays up and healthy throughout;
// once the Engine answers again it starts the service's stopped container
// again (the same container: nothing to recreate, no new revision), its
// event stream reconnects (the Engine serves a new GET /events) and works,
// and a new revision still deploys.
TEST_F(EngineRestartTest, AWatchedServiceIsStartedAgainAndStillDeploys) {
  ASSERT_TRUE(svc_->up("rewind-demo:v1"));
  svc_->write_release("rewind-demo:v1", svc_->health_check());
  Watcher watcher(svc_->releases(), svc_->state(), svc_->log("watch"), watcher_options());
  const int http_port = watcher_port(watcher);
  ASSERT_NE(http_port, 0) << no_port();
  // The compose container is adopted as revision 1 without a restart.
  ASSERT_TRUE(
      eventually([&] { return svc_->stable_at(1) && serving("rewind-demo:v1", "v1"); }, 60s))
      << svc_->describe();
  const nlohmann::json before = svc_->containers().at(0);
  const std::size_t streams = engine_->requests("GET", "/events");
  ASSERT_GE(streams, 1U) << "the watcher never asked for the Engine's events";

  // The Engine goes away: the container dies with it, the watcher stays up
  // and sees its event stream break.
  ASSERT_TRUE(engine_->stop()) << "dockerd did not stop on SIGTERM";
  EXPECT_EQ(svc_->served_version(), "") << "the container outlived the Engine (live-restore?)";
  ASSERT_TRUE(eventually(
      [&] {
        return EngineService::read_text(svc_->log("watch")).find("Docker events:") !=
               std::string::npos;
      },
      20s))
      << "the watcher did not notice its event stream breaking";
  // Down for a few seconds more: reconciles of the dead container's events
  // meet no Engine.
  const auto down_until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < down_until) {
    ASSERT_TRUE(alive(watcher, http_port)) << "while the Engine was down";
    std::this_thread::sleep_for(200ms);
  }

  ASSERT_TRUE(engine_->start()) << "dockerd did not start again";
  const auto back_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(alive(watcher, http_port)) << "right after the Engine came back";
  ASSERT_TRUE(eventually([&] { return serving("rewind-demo:v1", "v1"); }, 45s))
      << "the service was not started again\n"
      << svc_->describe();
  const auto repaired_in = std::chrono::steady_clock::now() - back_at;
  EXPECT_LT(repaired_in, 30s) << "the retried reconcile or the stream's reconnect acts, not the "
                                 "5 minute resync";
  std::cout << "repaired "
            << std::chrono::duration_cast<std::chrono::milliseconds>(repaired_in).count()
            << " ms after the Engine answered again\n";
  const nlohmann::json after = svc_->containers().at(0);
  EXPECT_EQ(after["Id"], before["Id"]) << "the stopped container is started, not recreated";
  EXPECT_NE(after["State"]["StartedAt"], before["State"]["StartedAt"]);
  EXPECT_EQ(after["HostConfig"]["NetworkMode"], "host");
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 20s)) << svc_->describe();
  EXPECT_EQ(svc_->outcomes(), std::vector<std::string>{"Healthy"}) << "a repair is no revision";
  ASSERT_TRUE(alive(watcher, http_port));

  // The event stream is up again: the watcher asked the restarted Engine for
  // its events; a container killed by hand now is started again within
  // seconds (the die event; the resync is five minutes away).
  ASSERT_TRUE(eventually([&] { return engine_->requests("GET", "/events") > streams; }, 30s))
      << "the watcher's event stream never reconnected to the restarted Engine";
  std::cout << "events stream back "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - back_at)
                   .count()
            << " ms (at most) after the Engine answered again\n";
  const CommandResult kill = engine_->cli("kill " + svc_->container_name());
  ASSERT_EQ(kill.exit_code, 0) << kill.output;
  ASSERT_TRUE(eventually([&] { return svc_->served_version() == ""; }, 10s));
  ASSERT_TRUE(eventually([&] { return serving("rewind-demo:v1", "v1"); }, 20s))
      << "no event reached the watcher after the restart\n"
      << svc_->describe();

  // And a new revision deploys on the restarted Engine.
  svc_->write_release("rewind-demo:v2", svc_->health_check());
  ASSERT_TRUE(eventually(
      [&] { return svc_->stable_at(2) && serving("rewind-demo:v2", "v2") && consistent(); }, 60s))
      << svc_->describe();
  EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Superseded", "Healthy"}));
  EXPECT_EQ(svc_->status()["status"].value("phase", ""), "Healthy");
  EXPECT_FALSE(overlap_seen_) << "two containers of the service ran at once";
  ASSERT_TRUE(alive(watcher, http_port));
  EXPECT_EQ(watcher.stop(), 0);
}

// The Engine restarts while rewind recreates the service for v2: the new
// container runs and its health gate (three passes a second apart) is under
// way; the old one is stopped, kept until the new one is stable. What the
// Engine starts again on its own depends on compose's `restart:` (none: no
// container, so the gate fails and rewind rolls back to v1; unless-stopped:
// the new one, which ran, and v2 passes; always: both, the one rewind
// stopped too, and rewind stops and removes that one when v2 is stable).
// Whichever way rewind settles it — v2 Healthy, or v1 back after a failed
// gate — it settles consistently and stays so.
class RecreateRestartTest : public EngineRestartTest,
                            public ::testing::WithParamInterface<std::string> {};

TEST_P(RecreateRestartTest, ARecreateInFlightSettlesConsistently) {
  ASSERT_TRUE(svc_->up("rewind-demo:v1", GetParam()));
  svc_->write_release("rewind-demo:v1", svc_->health_check());
  Watcher watcher(svc_->releases(), svc_->state(), svc_->log("watch"), watcher_options());
  const int http_port = watcher_port(watcher);
  ASSERT_NE(http_port, 0) << no_port();
  ASSERT_TRUE(
      eventually([&] { return svc_->stable_at(1) && serving("rewind-demo:v1", "v1"); }, 60s))
      << svc_->describe();

  svc_->write_release("rewind-demo:v2", svc_->health_check(/*success_threshold=*/3));
  // The replacement runs v2 and the plan is not finished: its gate is on.
  ASSERT_TRUE(eventually(
      [&] {
        overlapping();
        for (const auto& c : svc_->running()) {
          if (c["Config"]["Image"] == "rewind-demo:v2") return true;
        }
        return false;
      },
      30s, 50ms))
      << svc_->describe();
  const auto mid = svc_->status();
  ASSERT_TRUE(mid.contains("status") && mid["status"].contains("progress"))
      << "the recreate finished before the Engine could be restarted\n"
      << svc_->describe();
  EXPECT_FALSE(overlap_seen_) << "two containers of the service ran at once before the restart";
  ASSERT_TRUE(engine_->restart()) << "dockerd did not restart";

  ASSERT_TRUE(alive(watcher, http_port)) << "right after the Engine came back";
  ASSERT_TRUE(eventually([&] { return consistent(); }, 90s))
      << "it did not settle after the restart\n"
      << svc_->describe();
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(consistent()) << "it did not stay settled\n" << svc_->describe();
  }
  // `restart: always` makes the Engine start the old container too, beside
  // the new one, until rewind's recreate finishes (and stops and removes
  // it); with no policy or unless-stopped the Engine never does.
  if (GetParam() == "always") {
    std::cout << (overlap_seen_ ? "" : "not ") << "seen: the Engine ran both containers\n";
  } else {
    EXPECT_FALSE(overlap_seen_) << "two containers of the service ran at once";
  }

  const auto s = svc_->status()["status"];
  const int live = s.value("currentRevision", 0);
  const std::string phase = s.value("phase", "");
  std::cout << "settled at revision " << live << ", phase " << phase << ", history "
            << nlohmann::json(svc_->outcomes()).dump() << "\n";
  if (live == 2) {
    EXPECT_EQ(phase, "Healthy");
    EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Superseded", "Healthy"}));
    EXPECT_EQ(svc_->served_version(), "v2");
  } else {
    EXPECT_EQ(live, 1) << svc_->describe();
    EXPECT_EQ(phase, "RolledBack");
    EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Healthy", "FailedHealth"}));
    EXPECT_EQ(svc_->served_version(), "v1");
  }
  for (const auto& c : svc_->containers()) {
    EXPECT_THAT(c.value("Name", ""), ::testing::Not(HasSubstr("-rewind-r"))) << svc_->describe();
  }
  ASSERT_TRUE(alive(watcher, http_port));
  EXPECT_EQ(watcher.stop(), 0);
}

std::string policy_name(const ::testing::TestParamInfo<std::string>& info) {
  if (info.param.empty()) return "NoRestartPolicy";
  return info.param == "always" ? "RestartAlways" : "RestartUnlessStopped";
}

INSTANTIATE_TEST_SUITE_P(ComposeRestart, RecreateRestartTest,
                         ::testing::Values("", "unless-stopped", "always"), policy_name);

}  // namespace
}  // namespace rwd::itest
