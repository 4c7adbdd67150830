#pragma once
// What the blue-green and canary end-to-end tests share: a compose-style
// service at rewind-demo:v1 on the real Docker Engine, a private nginx in
// front of it (the operator's bootstrap upstream pointing at the compose
// container, as the README says to write it), and `rewind watch` with the
// --nginx-* options.

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "router/nginx_server.hpp"
#include "traffic/client.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {

class TrafficTest : public ::testing::Test {
 protected:
  explicit TrafficTest(std::string area) : area_(std::move(area)) {}

  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    svc_ = std::make_unique<ComposeService>(area_);
    ASSERT_TRUE(svc_->up("rewind-demo:v1"));
    const auto up = svc_->running();
    ASSERT_EQ(up.size(), 1U);
    ASSERT_TRUE(
        nginx_.start("rewind_it_api", "it_api.conf",
                     "upstream rewind_it_api { server 127.0.0.1:" + host_port(up[0]) + "; }\n"));
    ASSERT_EQ(versions(nginx_.port(), 1).count("v1"), 1U);
  }
  void TearDown() override {
    client_.reset();
    if (HasFailure()) {
      for (int run = 1; run <= runs_; ++run) {
        std::cerr << "---- rewind watch log " << run << " ----\n"
                  << ComposeService::read_text(svc_->log(std::to_string(run)));
      }
      const std::string killed = ComposeService::read_text(svc_->log("killed"));
      if (!killed.empty()) std::cerr << "---- the killed watcher's log ----\n" << killed;
      std::cerr << "---- upstream file ----\n"
                << upstream() << "---- nginx error log ----\n"
                << nginx_.error_log() << svc_->describe();
    }
  }

  // releases/api.yaml: `strategy` (lines of spec, indented by two spaces)
  // and the health check every test uses.
  void write_release(const std::string& image, const std::string& strategy) {
    svc_->write_release(image, strategy +
                                   "  healthCheck: {http: {path: /health, port: 8080}, "
                                   "interval: 500ms, timeout: 1s, failureThreshold: 3}\n"
                                   "  rollbackPolicy: {progressDeadline: 1m}\n");
  }

  // Starts `rewind watch` (again: a new log file for each run), with
  // `more` arguments.
  void start_watcher(const std::vector<std::string>& more = {}) {
    WatcherOptions o;
    o.args = {"--nginx-upstream-dir", nginx_.upstream_dir().string(),
              "--nginx-conf",         nginx_.config_path().string(),
              "--nginx-pid-file",     nginx_.pid_file().string(),
              "--nginx-prefix",       nginx_.dir().string() + "/"};
    o.args.insert(o.args.end(), more.begin(), more.end());
    ++runs_;
    watcher_ = std::make_unique<Watcher>(svc_->releases(), svc_->state(),
                                         svc_->log(std::to_string(runs_)), o);
  }

  // "http://127.0.0.1:PORT" of the running watcher's HTTP API (from its
  // log: it listens on a port the kernel picks); "" until it says.
  [[nodiscard]] std::string api_url() const {
    const std::string log = ComposeService::read_text(svc_->log(std::to_string(runs_)));
    const auto at = log.find("HTTP on ");
    if (at == std::string::npos) return "";
    const auto end = log.find_first_of(" )\n", at + 8);
    return "http://" + log.substr(at + 8, end - at - 8);
  }

  [[nodiscard]] std::string upstream() const {
    return read_text(nginx_.upstream_dir() / "it_api.conf");
  }

  // The running containers' names.
  [[nodiscard]] std::vector<std::string> running_names() const {
    std::vector<std::string> out;
    for (const auto& c : svc_->running()) out.push_back(c.value("Name", "").substr(1));
    return out;
  }

  std::string area_;
  int runs_ = 0;
  DockerCleanup cleanup_;
  std::unique_ptr<ComposeService> svc_;
  NginxServer nginx_;
  std::unique_ptr<Watcher> watcher_;
  std::unique_ptr<Client> client_;
};

}  // namespace rwd::itest
