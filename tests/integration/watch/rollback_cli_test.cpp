// `rewind rollback` end to end: the real binary, the real Docker Engine, a
// real `rewind watch` (or none). Assertions are on the outside world: the
// image the service's container runs (Engine API inspect), what it answers on
// /version, its container id, and the state files.

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kSpec =
    "  config: {env: {DEMO_HEALTHY: \"true\"}}\n"
    "  healthCheck: {http: {path: /health, port: 8080}, interval: 500ms, timeout: 1s, "
    "failureThreshold: 3}\n"
    "  rollbackPolicy: {progressDeadline: 1m}\n";

class RollbackCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
    ASSERT_TRUE(svc_.up("rewind-demo:v1"));
  }
  void TearDown() override {
    if (!HasFailure()) return;
    std::cerr << svc_.describe();
    for (const char* run : {"a", "b", "c"}) {
      const std::string log = ComposeService::read_text(svc_.log(run));
      if (!log.empty()) std::cerr << "---- rewind watch log " << run << " ----\n" << log << "\n";
    }
  }

  // The `rewind` binary with `args` (stdin is not a terminal).
  static CommandResult rewind(const std::string& args) {
    return run_command(std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind " + args +
                       " < /dev/null");
  }
  [[nodiscard]] std::string state_arg() const { return " --state-dir " + svc_.state().string(); }

  // Revision 1 (v1, adopted) then revision 2 (v2) through the Release file.
  void deploy_v1_then_v2() {
    svc_.write_release("rewind-demo:v1", kSpec);
    ASSERT_TRUE(eventually([&] { return svc_.stable_at(1) && svc_.served_version() == "v1"; }))
        << svc_.describe();
    svc_.write_release("rewind-demo:v2", kSpec);
    ASSERT_TRUE(eventually([&] { return svc_.stable_at(2) && svc_.served_version() == "v2"; }))
        << svc_.describe();
  }

  // The one running container's inspect document (Engine API).
  [[nodiscard]] nlohmann::json serving() const {
    const auto up = svc_.running();
    return up.size() == 1 ? up.front() : nlohmann::json();
  }
  [[nodiscard]] std::string serving_id() const { return serving().value("Id", ""); }
  [[nodiscard]] std::string serving_image() const {
    const auto c = serving();
    return c.is_object() ? c["Config"].value("Image", "") : "";
  }

  // Files below state/<sub>, e.g. "status/it/rollbacks" or "requests/it".
  [[nodiscard]] std::vector<fs::path> files_in(const std::string& sub) const {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(svc_.state() / sub, ec)) {
      if (e.path().filename().string().front() != '.') out.push_back(e.path());
    }
    return out;
  }
  // The only Rollback status rewind wrote.
  [[nodiscard]] nlohmann::json only_rollback_status() const {
    const auto files = files_in("status/it/rollbacks");
    if (files.size() != 1) return nlohmann::json();
    return nlohmann::json::parse(ComposeService::read_text(files.front()), nullptr, false);
  }

  // The watcher's HTTP port, from its log line "... HTTP on 127.0.0.1:<port>".
  [[nodiscard]] int watcher_port(const std::string& run) const {
    int port = 0;
    eventually([&] {
      std::smatch m;
      const std::string log = ComposeService::read_text(svc_.log(run));
      if (std::regex_search(log, m, std::regex("HTTP on 127\\.0\\.0\\.1:([0-9]+)"))) {
        port = std::stoi(m[1]);
      }
      return port != 0;
    });
    return port;
  }

  ComposeService svc_{"rbcli"};
  DockerCleanup cleanup_;
};

TEST_F(RollbackCliTest, WatcherRunsTheRequestAndTheCommandFollowsIt) {
  Watcher watcher(svc_.releases(), svc_.state(), svc_.log("a"));
  deploy_v1_then_v2();

  const CommandResult r =
      rewind("rollback api -n it --to 1 --reason 'integration test'" + state_arg());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("handed to rewind watch (pid " + std::to_string(watcher.pid()) + ")"));
  EXPECT_THAT(r.output, HasSubstr("taken up by the watcher"));
  EXPECT_THAT(r.output, HasSubstr("succeeded"));
  EXPECT_THAT(r.output, HasSubstr("Release it/api is back on revision 1 (rewind-demo:v1)"));

  // The outside world: v1 runs and answers.
  EXPECT_EQ(serving_image(), "rewind-demo:v1");
  EXPECT_EQ(svc_.served_version(), "v1");
  // The request, and its status written by the watcher.
  const auto requests = files_in("requests/it");
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_THAT(requests.front().filename().string(),
              ::testing::MatchesRegex("api-rollback-[0-9]{8}t[0-9]{6}z\\.yaml"));
  const auto rb = only_rollback_status();
  ASSERT_TRUE(rb.is_object()) << "one Rollback status file";
  EXPECT_EQ(rb["status"]["phase"], "Succeeded");
  EXPECT_EQ(rb["spec"]["reason"], "integration test");
  EXPECT_EQ(rb["status"]["toRevision"], 1);
  // The Release is pinned to revision 1 although its file says v2.
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(1); })) << svc_.describe();
  const auto s = svc_.status()["status"];
  EXPECT_EQ(s["pin"]["revision"], 1);
  EXPECT_EQ(s["pin"]["rollback"], rb["metadata"]["name"]);
  EXPECT_EQ(s["lastRollback"]["to"], 1);

  // status and history through the watcher's API say what the state directory says.
  const std::string server = " --server http://127.0.0.1:" + std::to_string(watcher_port("a"));
  const CommandResult remote_history = rewind("history api -n it" + server);
  ASSERT_EQ(remote_history.exit_code, 0) << remote_history.output;
  EXPECT_EQ(remote_history.output, rewind("history api -n it" + state_arg()).output);
  EXPECT_THAT(remote_history.output, ::testing::ContainsRegex("1 +[a-z0-9]+ +rewind-demo:v1 "));
  EXPECT_THAT(remote_history.output, ::testing::ContainsRegex("2 +[a-z0-9]+ +rewind-demo:v2 "));
  const CommandResult remote_status = rewind("status api -n it" + server);
  ASSERT_EQ(remote_status.exit_code, 0) << remote_status.output;
  EXPECT_THAT(remote_status.output, HasSubstr("pinned:    revision 1 by Rollback"));
  EXPECT_THAT(remote_status.output, HasSubstr("running:   rewind-demo:v1"));
  const CommandResult remote_list = rewind("status" + server);
  EXPECT_EQ(remote_list.exit_code, 0) << remote_list.output;
  EXPECT_THAT(remote_list.output, ::testing::ContainsRegex("it +api +[A-Za-z]+ +1 +1 "));
  EXPECT_EQ(rewind("status web -n it" + server).exit_code, 1);

  // --no-wait returns once the watcher has the request; the watcher finishes it.
  const CommandResult quick = rewind("rollback api -n it --to 2 --no-wait" + state_arg());
  ASSERT_EQ(quick.exit_code, 0) << quick.output;
  EXPECT_THAT(quick.output, HasSubstr("not waiting (--no-wait)"));
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(2) && svc_.served_version() == "v2"; }))
      << svc_.describe();
  EXPECT_EQ(files_in("requests/it").size(), 2U);

  // A second watcher on the same state directory is refused at once.
  const CommandResult second = run_command(
      "timeout 30 " + std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind watch --dir " +
      svc_.releases().string() + state_arg() + " --listen 127.0.0.1:0 < /dev/null");
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.output,
              HasSubstr("is in use by rewind watch (pid " + std::to_string(watcher.pid()) + ")"));

  EXPECT_EQ(watcher.stop(), 0);
}

TEST_F(RollbackCliTest, WithoutWatcherEmergencyRollbackRunsInProcessOnce) {
  {
    Watcher watcher(svc_.releases(), svc_.state(), svc_.log("a"));
    deploy_v1_then_v2();
    ASSERT_EQ(watcher.stop(), 0);
  }
  const std::string v2_id = serving_id();

  // No terminal and no --yes: refused, nothing changes.
  const CommandResult refused = rewind("rollback api -n it --emergency" + state_arg());
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("add --yes"));
  EXPECT_EQ(serving_id(), v2_id);
  EXPECT_TRUE(files_in("requests/it").empty());

  const CommandResult r = rewind("rollback api -n it --emergency --yes" + state_arg());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("running the rollback here"));
  EXPECT_THAT(r.output, HasSubstr("[emergency]"));
  EXPECT_THAT(r.output, HasSubstr("This was an emergency rollback"));
  EXPECT_EQ(serving_image(), "rewind-demo:v1");
  EXPECT_EQ(svc_.served_version(), "v1");
  const std::string v1_id = serving_id();
  EXPECT_NE(v1_id, v2_id);

  const auto rb = only_rollback_status();
  ASSERT_TRUE(rb.is_object());
  EXPECT_EQ(rb["status"]["phase"], "Succeeded");
  EXPECT_EQ(rb["spec"]["emergency"], true);
  EXPECT_THAT(rb["spec"]["reason"].get<std::string>(),
              ::testing::StartsWith("emergency rollback: "));
  EXPECT_EQ(rb["metadata"]["annotations"]["rewind.dev/emergency"], "true");
  const auto s = svc_.status()["status"];
  EXPECT_EQ(s["pin"]["revision"], 1);
  EXPECT_EQ(s["lastRollback"]["from"], 2);
  EXPECT_EQ(s["lastRollback"]["to"], 1);
  ASSERT_EQ(svc_.outcomes().size(), 2U) << "a rollback is not a new revision";

  // A watcher started afterwards recognises the finished Rollback: it does
  // not run it again, and the pin holds although the file still says v2.
  const std::string rb_before = rb.dump();
  Watcher watcher(svc_.releases(), svc_.state(), svc_.log("b"));
  // The status it would write is the one on disk, so nothing is written
  // (a file holding the text is not rewritten): its reconcile count says it
  // reconciled.
  const int port = watcher_port("b");
  ASSERT_NE(port, 0);
  ASSERT_TRUE(eventually([&] {
    const auto m = http_get(port, "/metrics");
    return m.body.find("rewind_reconciles_total{result=\"success\"} ") != std::string::npos;
  })) << "the watcher reconciles the Release";
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(1); })) << svc_.describe();
  EXPECT_EQ(only_rollback_status().dump(), rb_before);
  EXPECT_EQ(serving_id(), v1_id);
  EXPECT_EQ(svc_.served_version(), "v1");
  EXPECT_EQ(watcher.stop(), 0);
}

TEST_F(RollbackCliTest, DryRunChangesNothingAndMistakesAreClear) {
  Watcher watcher(svc_.releases(), svc_.state(), svc_.log("a"));
  deploy_v1_then_v2();
  const std::string id = serving_id();

  const CommandResult dry = rewind("rollback api -n it --to 1 --dry-run" + state_arg());
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("roll back to revision 1 from 2 (reason RollbackResource)"));
  EXPECT_THAT(dry.output, HasSubstr("record-incident"));
  EXPECT_THAT(dry.output, HasSubstr("[dry run: nothing is executed]"));
  EXPECT_THAT(dry.output, HasSubstr("rewind-demo:v1"));

  // Mistakes: each says what is wrong, nothing is written.
  const CommandResult far = rewind("rollback api -n it --to 9" + state_arg());
  EXPECT_EQ(far.exit_code, 1);
  EXPECT_THAT(far.output, HasSubstr("revision 9 is not in history (known: 1..2)"));
  const CommandResult unknown = rewind("rollback web -n it" + state_arg());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("no Release it/web in "));
  EXPECT_THAT(unknown.output, HasSubstr("known: it/api"));
  const CommandResult bad = rewind("rollback api -n it --to yesterday" + state_arg());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("--to \"yesterday\" is not a rollback target"));

  ASSERT_EQ(watcher.stop(), 0);
  // Without a watcher, too.
  const CommandResult alone = rewind("rollback api -n it --dry-run --emergency" + state_arg());
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  EXPECT_THAT(alone.output, HasSubstr("[emergency]"));

  EXPECT_EQ(serving_id(), id) << "the same container still runs";
  EXPECT_EQ(serving_image(), "rewind-demo:v2");
  EXPECT_EQ(svc_.served_version(), "v2");
  EXPECT_TRUE(files_in("requests/it").empty());
  EXPECT_TRUE(files_in("status/it/rollbacks").empty());
  EXPECT_EQ(svc_.status()["status"].value("currentRevision", 0), 2);
  EXPECT_FALSE(svc_.status()["status"].contains("pin"));
}

TEST_F(RollbackCliTest, TargetImageThatIsGoneIsRefused) {
  // Revision 1 runs an image that is removed afterwards.
  const std::string gone = "rewind-demo:" + unique_name("gone");
  struct Untag {
    std::string image;
    ~Untag() { run_command("docker rmi " + image); }  // also when an assertion fails
  } untag{gone};
  ASSERT_EQ(run_command("docker tag rewind-demo:v1 " + gone).exit_code, 0);
  Watcher watcher(svc_.releases(), svc_.state(), svc_.log("a"));
  svc_.write_release(gone, kSpec);
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(1) && serving_image() == gone; }))
      << svc_.describe();
  svc_.write_release("rewind-demo:v2", kSpec);
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(2) && svc_.served_version() == "v2"; }))
      << svc_.describe();
  ASSERT_EQ(watcher.stop(), 0);
  // The old container is gone once v2 is stable, so the tag can go.
  const CommandResult rmi = run_command("docker rmi " + gone);
  ASSERT_EQ(rmi.exit_code, 0) << rmi.output;
  const std::string id = serving_id();

  const CommandResult r = rewind("rollback api -n it --to 1 --timeout 1m" + state_arg());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("the image " + gone +
                                  " of revision 1 is not on this Docker host "
                                  "and cannot be pulled"));
  EXPECT_EQ(serving_id(), id);
  EXPECT_TRUE(files_in("requests/it").empty());
}

}  // namespace
}  // namespace rwd::itest
