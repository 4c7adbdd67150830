#pragma once
// The demo app (examples/demo-app) as a plain child process on a free
// loopback port, and a client that sends it traffic.

#include <stdlib.h>  // mkdtemp

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rewind/http/client.hpp"
#include "rewind/http/endpoint.hpp"

#include "process.hpp"

namespace rwd::itest {

using Env = std::map<std::string, std::string>;

class DemoApp {
 public:
  // env: DEMO_ERROR_RATE, DEMO_LATENCY_MS, DEMO_VERSION, DEMO_HEALTHY, ...
  explicit DemoApp(Env env = {}) {
    const std::string bin = std::string(REWIND_BINARY_DIR) + "/examples/demo-app/rewind-demo-app";
    if (!std::filesystem::exists(bin)) {
      throw std::runtime_error(bin + " is missing: build the target rewind-demo-app");
    }
    char tmpl[] = "/tmp/rewind-demo-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    port_ = free_loopback_port();
    env["DEMO_PORT"] = std::to_string(port_);
    process_ = std::make_unique<Process>(std::vector<std::string>{bin}, env, dir_ + "/demo.log");
    auto endpoint = http::parse_endpoint(url());
    if (!endpoint) throw std::runtime_error(endpoint.error().message);
    endpoint_ = *endpoint;
    auto client = http::make_client(endpoint_);
    if (!client) throw std::runtime_error(client.error().message);
    http::ClientRequest req;
    req.target = "/metrics";  // not counted, so the tests' traffic is all there is
    const bool up = poll_until(std::chrono::seconds(10), [&] {
      return !process_->running() || (*client)->request(req, std::chrono::seconds(1)).ok();
    });
    if (!up || !process_->running()) {
      throw std::runtime_error("demo app did not start:\n" + process_->log());
    }
  }

  ~DemoApp() {
    process_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  DemoApp(const DemoApp&) = delete;
  DemoApp& operator=(const DemoApp&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string url() const { return "http://" + address(); }
  void stop() { process_->stop(); }

  // Sends `count` GET / over `connections` keep-alive connections at once;
  // returns the number of answers by status.
  std::map<int, int> traffic(int count, int connections = 4) const {
    std::vector<std::map<int, int>> seen(static_cast<std::size_t>(connections));
    std::atomic<int> left{count};
    std::vector<std::thread> threads;
    for (int i = 0; i < connections; ++i) {
      threads.emplace_back([&, i] {
        auto client = http::make_client(endpoint_);
        if (!client) return;
        http::ClientRequest req;
        req.target = "/";
        while (left.fetch_sub(1) > 0) {
          auto r = (*client)->request(req, std::chrono::seconds(5));
          ++seen[static_cast<std::size_t>(i)][r ? r->status : 0];
        }
      });
    }
    for (auto& t : threads) t.join();
    std::map<int, int> out;
    for (const auto& m : seen) {
      for (const auto& [status, n] : m) out[status] += n;
    }
    return out;
  }

 private:
  std::string dir_;
  int port_ = 0;
  http::Endpoint endpoint_;
  std::unique_ptr<Process> process_;
};

}  // namespace rwd::itest
