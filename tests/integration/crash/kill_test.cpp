// kill -9 of `rewind watch` between every pair of steps of a recreate, and
// a SIGTERM in the middle of a health gate. The real binary, the real Engine,
// a compose-style service answering over HTTP. The watcher kills itself at a
// named point (REWIND_TEST_KILL_AT, see rewind/execute/kill_point.hpp); a
// second watcher, started without it, must converge: one container of the
// service, running the desired image and answering with it, never two
// running at once, no `-rewind-r<N>` leftovers, every revision in history
// with the right outcome, the Release Healthy.

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/execute/kill_point.hpp"

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Short gates, so that ten crashes fit in a few minutes.
std::string spec(int success_threshold = 1) {
  return "  config: {env: {DEMO_HEALTHY: \"true\"}}\n"
         "  healthCheck: {http: {path: /health, port: 8080}, interval: 1s, timeout: 1s, "
         "successThreshold: " +
         std::to_string(success_threshold) +
         ", failureThreshold: 3}\n"
         "  analysis: {interval: 1s, window: 1s}\n"
         "  rollbackPolicy: {progressDeadline: 1m}\n";
}

class CrashTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
    ASSERT_TRUE(svc_.up("rewind-demo:v1"));
  }
  void TearDown() override {
    if (!HasFailure()) return;
    for (const char* run : {"setup", "killed", "restarted"}) {
      std::cerr << "---- rewind watch log (" << run << ") ----\n"
                << ComposeService::read_text(svc_.log(run)) << "\n";
    }
  }

  // Through a watcher without kill points: each image in turn, each stable.
  void deploy(const std::vector<std::string>& versions) {
    Watcher w(svc_.releases(), svc_.state(), svc_.log("setup"));
    for (std::size_t i = 0; i < versions.size(); ++i) {
      svc_.write_release("rewind-demo:" + versions[i], spec());
      const int revision = static_cast<int>(i) + 1;
      ASSERT_TRUE(eventually([&] {
        return svc_.stable_at(revision) && svc_.served_version() == versions[i];
      })) << svc_.describe();
    }
    ASSERT_EQ(w.stop(), 0);
  }

  // More than one container of the service running now?
  bool overlapping() {
    const bool two = svc_.running().size() > 1;
    overlap_seen_ = overlap_seen_ || two;
    return two;
  }

  // Converged on `version` as `revision`: stable, exactly one container of
  // the service (its compose name, the image, answering with it).
  bool converged(int revision, const std::string& version) {
    overlapping();
    const auto all = svc_.containers();
    return all.size() == 1 && all[0]["State"].value("Running", false) &&
           all[0]["Name"] == "/" + svc_.container_name() &&
           all[0]["Config"]["Image"] == "rewind-demo:" + version && svc_.stable_at(revision) &&
           svc_.served_version() == version;
  }

  // The status of a condition of the Release ("True", "False", "Unknown"; "" when absent).
  std::string condition(const std::string& type) {
    const auto s = svc_.status();
    if (!s.contains("status") || !s["status"].contains("conditions")) return "";
    for (const auto& c : s["status"]["conditions"]) {
      if (c.value("type", "") == type) return c.value("status", "");
    }
    return "";
  }

  // Restarts the watcher and asserts it converges and stays so for more
  // than a resync. `phase`: Healthy after a roll forward, RolledBack after
  // a rollback (the newest revision is not the one running).
  void assert_converges(int revision, const std::string& version,
                        const std::string& phase = "Healthy") {
    Watcher w(svc_.releases(), svc_.state(), svc_.log("restarted"));
    ASSERT_TRUE(eventually([&] { return converged(revision, version); }, 60s)) << svc_.describe();
    const auto until = std::chrono::steady_clock::now() + 2500ms;
    while (std::chrono::steady_clock::now() < until) {
      ASSERT_TRUE(converged(revision, version)) << "it did not stay converged\n" << svc_.describe();
    }
    EXPECT_FALSE(overlap_seen_) << "two containers of the service ran at once";
    EXPECT_EQ(svc_.status()["status"].value("phase", ""), phase) << svc_.describe();
    EXPECT_EQ(condition("Ready"), "True") << svc_.describe();
    EXPECT_EQ(w.stop(), 0);
  }

  ComposeService svc_{"crash"};
  DockerCleanup cleanup_;
  bool overlap_seen_ = false;
};

class KillPointTest : public CrashTestBase, public ::testing::WithParamInterface<std::string> {};

TEST_P(KillPointTest, ConvergesAfterARestart) {
  const std::string point = GetParam();
  // The incident record exists only in rollback plans: revert v2 to v1 there.
  const bool rollback = point == "after-step:record-incident";
  deploy(rollback ? std::vector<std::string>{"v1", "v2"} : std::vector<std::string>{"v1"});
  const std::string target = rollback ? "v1" : "v2";
  {
    Watcher doomed(svc_.releases(), svc_.state(), svc_.log("killed"),
                   {.env = {{"REWIND_TEST_KILL_AT", point}}});
    svc_.write_release("rewind-demo:" + target, spec());
    std::optional<int> status;
    ASSERT_TRUE(eventually([&] {
      overlapping();
      status = doomed.wait_exit(0ms);
      return status.has_value();
    })) << "the watcher never reached "
        << point << "\n"
        << svc_.describe();
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << "wait status " << *status;
    EXPECT_THAT(ComposeService::read_text(svc_.log("killed")),
                HasSubstr("kill point " + point + " reached"));
  }
  assert_converges(rollback ? 1 : 2, target, rollback ? "RolledBack" : "Healthy");
  if (rollback) {
    EXPECT_EQ(svc_.outcomes(), (std::vector<std::string>{"Healthy", "RolledBack"}));
    EXPECT_EQ(svc_.status()["status"]["lastRollback"].value("trigger", ""), "RevertedInSource");
  } else {
    EXPECT_EQ(svc_.outcomes(), (std::vector<std::string>{"Superseded", "Healthy"}));
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string out;
  for (const char c : info.param) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryRecreateStep, KillPointTest,
                         ::testing::ValuesIn(execute::recreate_kill_points()), test_name);

using GracefulShutdownTest = CrashTestBase;

// SIGTERM while the new revision's health gate runs: exit 0 with the step
// either done or not started, and the next watcher finishes the plan.
TEST_F(GracefulShutdownTest, SigtermDuringAHealthGateExitsCleanlyAndTheNextStartFinishes) {
  deploy({"v1"});
  {
    Watcher w(svc_.releases(), svc_.state(), svc_.log("killed"));
    svc_.write_release("rewind-demo:v2", spec(/*success_threshold=*/4));
    // Step 0 (start the revision) done, step 1 (health gate) under way.
    ASSERT_TRUE(eventually([&] {
      overlapping();
      const auto s = svc_.status();
      return s.contains("status") && s["status"].contains("progress") &&
             s["status"]["progress"].value("stepIndex", -1) == 1;
    })) << svc_.describe();
    EXPECT_EQ(w.stop(SIGTERM), 0);
  }
  const auto progress = svc_.status()["status"]["progress"];
  EXPECT_EQ(progress.value("stepIndex", -1), 1) << "the gate is neither done nor recorded as done";
  EXPECT_EQ(svc_.outcomes(), (std::vector<std::string>{"Healthy", "Live"}));
  const auto up = svc_.running();
  ASSERT_EQ(up.size(), 1U) << svc_.describe();
  EXPECT_EQ(up[0]["Config"]["Image"], "rewind-demo:v2");
  EXPECT_EQ(svc_.containers().size(), 2U) << "the old container stays until the new one is stable";
  assert_converges(2, "v2");
  EXPECT_EQ(svc_.outcomes(), (std::vector<std::string>{"Superseded", "Healthy"}));
}

}  // namespace
}  // namespace rwd::itest
