// `rewind watch` end to end: the real binary, a real directory of Release
// files, the real Docker Engine, the demo service answering over HTTP. Every
// assertion is on the outside world: which image the compose service's
// container runs, what it answers on /version, what the state files say.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "docker_env.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
    root_ = fs::temp_directory_path() / unique_name("watch");
    fs::create_directories(root_ / "releases");
    fs::create_directories(root_ / "state");
    project_ = test_prefix();
    // What `docker compose up -d api` would have made, with a published port.
    const CommandResult r = run_command(
        "docker run -d --name " + project_ + "_api_1 " + label_args() +
        " --label com.docker.compose.project=" + project_ +
        " --label com.docker.compose.service=api --label com.docker.compose.container-number=1"
        " -p 127.0.0.1::8080 rewind-demo:v1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  void TearDown() override {
    if (HasFailure()) {
      std::ifstream in(root_ / "watch.log");
      std::cerr << "---- rewind watch log ----\n" << in.rdbuf() << "\n";
    }
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  void write_release(const std::string& image, bool healthy = true) {
    const fs::path tmp = root_ / "releases" / ".api.yaml.tmp";
    std::ofstream(tmp) << "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
                          "metadata: {name: api, namespace: it}\n"
                          "spec:\n"
                          "  target: {docker: {project: "
                       << project_
                       << ", service: api}}\n"
                          "  image: "
                       << image
                       << "\n"
                          "  config: {env: {DEMO_HEALTHY: \""
                       << (healthy ? "true" : "false")
                       << "\"}}\n"
                          "  healthCheck: {http: {path: /health, port: 8080}, interval: 500ms, "
                          "timeout: 1s, failureThreshold: 3}\n"
                          "  rollbackPolicy: {progressDeadline: 1m}\n";
    fs::rename(tmp, root_ / "releases" / "api.yaml");  // as editors and git do
  }

  // Images of the service's running containers.
  std::vector<std::string> running_images() {
    const CommandResult r =
        run_command("docker ps --filter label=com.docker.compose.project=" + project_ +
                    " --filter label=com.docker.compose.service=api --format '{{.Image}}'");
    std::vector<std::string> out;
    std::string line;
    std::istringstream in(r.output);
    while (std::getline(in, line)) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }

  // What the service answers on /version through its published port.
  std::string served_version() {
    const CommandResult ps =
        run_command("docker ps -q --filter label=com.docker.compose.project=" + project_ +
                    " --filter label=com.docker.compose.service=api");
    const std::string id = trimmed(ps.output);
    if (id.empty() || id.find('\n') != std::string::npos) return "";
    // "127.0.0.1:49153", one line per binding; empty while it restarts.
    const CommandResult port = run_command("docker port " + id + " 8080/tcp");
    const std::string p = trimmed(port.output.substr(0, port.output.find('\n')));
    const auto colon = p.rfind(':');
    if (port.exit_code != 0 || colon == std::string::npos) return "";
    const std::string digits = p.substr(colon + 1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return "";
    const HttpResponse r = http_get(std::stoi(digits), "/version");
    return r.status == 200 ? trimmed(r.body) : "";
  }

  nlohmann::json status() {
    std::ifstream in(root_ / "state" / "status" / "it" / "releases" / "api.json");
    if (!in) return nlohmann::json();
    try {
      return nlohmann::json::parse(in);
    } catch (const std::exception&) {
      return nlohmann::json();
    }
  }
  nlohmann::json history() {
    std::ifstream in(root_ / "state" / "history" / "it" / "api.json");
    if (!in) return nlohmann::json();
    try {
      return nlohmann::json::parse(in);
    } catch (const std::exception&) {
      return nlohmann::json();
    }
  }
  bool stable_at(int revision) {
    const auto s = status();
    return s.contains("status") && s["status"].value("stableRevision", 0) == revision &&
           s["status"].value("currentRevision", 0) == revision && !s["status"].contains("progress");
  }

  fs::path root_;
  std::string project_;
  DockerCleanup cleanup_;
};

TEST_F(WatchTest, UpgradeRevertAutomaticRollbackAndRollbackResource) {
  write_release("rewind-demo:v1");
  Watcher watcher(root_ / "releases", root_ / "state", root_ / "watch.log");

  // The compose container is adopted as revision 1 without a restart.
  ASSERT_TRUE(eventually([&] { return stable_at(1); })) << status().dump(2);
  EXPECT_EQ(served_version(), "v1");

  // Edit the file: v2 rolls out.
  write_release("rewind-demo:v2");
  ASSERT_TRUE(eventually([&] { return stable_at(2) && served_version() == "v2"; }))
      << status().dump(2);
  EXPECT_EQ(running_images(), std::vector<std::string>{"rewind-demo:v2"});

  // git revert: the file says v1 again -> a rollback to revision 1.
  write_release("rewind-demo:v1");
  ASSERT_TRUE(eventually([&] { return stable_at(1) && served_version() == "v1"; }))
      << status().dump(2);
  EXPECT_EQ(running_images(), std::vector<std::string>{"rewind-demo:v1"});
  auto s = status()["status"];
  EXPECT_EQ(s["lastRollback"]["trigger"], "RevertedInSource");
  ASSERT_EQ(history()["revisions"].size(), 2U) << "a revert is not a new revision";

  // v3 never becomes healthy: back to the last healthy revision on its own.
  write_release("rewind-demo:v3", /*healthy=*/false);
  ASSERT_TRUE(eventually([&] {
    const auto h = history();
    return h.contains("revisions") && h["revisions"].size() == 3U &&
           h["revisions"][2]["outcome"] == "FailedHealth" && stable_at(1) &&
           served_version() == "v1";
  })) << history().dump(2);
  EXPECT_EQ(status()["status"]["lastRollback"]["trigger"], "Automatic");
  EXPECT_EQ(running_images(), std::vector<std::string>{"rewind-demo:v1"});

  // A Rollback file to revision 2.
  std::ofstream(root_ / "releases" / "rollback.yaml")
      << "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\n"
         "metadata: {name: to-two, namespace: it}\n"
         "spec: {releaseRef: {name: api}, to: 2, reason: integration test}\n";
  ASSERT_TRUE(eventually([&] { return served_version() == "v2" && stable_at(2); }))
      << status().dump(2);
  std::ifstream rb_in(root_ / "state" / "status" / "it" / "rollbacks" / "to-two.json");
  ASSERT_TRUE(rb_in);
  const auto rb = nlohmann::json::parse(rb_in);
  EXPECT_EQ(rb["status"]["phase"], "Succeeded");

  EXPECT_EQ(watcher.stop(), 0) << "SIGTERM ends the watcher cleanly";
}

TEST_F(WatchTest, ContainerStoppedByHandIsStartedAgain) {
  write_release("rewind-demo:v1");
  Watcher watcher(root_ / "releases", root_ / "state", root_ / "watch.log");
  ASSERT_TRUE(eventually([&] { return stable_at(1); })) << status().dump(2);
  const CommandResult stop = run_command("docker stop -t 1 " + project_ + "_api_1");
  ASSERT_EQ(stop.exit_code, 0) << stop.output;
  // The die/stop event reconciles the Release at once (well before --resync).
  ASSERT_TRUE(eventually([&] { return served_version() == "v1"; }, 20s));
  EXPECT_EQ(running_images(), std::vector<std::string>{"rewind-demo:v1"});
  EXPECT_EQ(watcher.stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
