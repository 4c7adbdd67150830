#pragma once
// A real server on 127.0.0.1 with an ephemeral port, wired the way the
// controller wires it: standard routes over a real metrics registry and an
// in-memory resource provider, plus a slow route for the stop() tests.

#include <atomic>
#include <future>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "rewind/http/server.hpp"
#include "rewind/runtime/metrics.hpp"

#include "test_client.hpp"

namespace rwd::http::testing {

class ServerTest : public ::testing::Test {
 protected:
  // Options for the next start(); tests may change them before calling it.
  ServerOptions options_ = [] {
    ServerOptions o;
    o.listen = {"127.0.0.1", 0};
    return o;
  }();

  void start() {
    metrics_ = std::make_unique<runtime::Metrics>();
    controller_metrics_.emplace(runtime::register_controller_metrics(*metrics_));
    provider_ = std::make_shared<InMemoryResourceProvider>();
    Router router;
    add_standard_routes(
        router, StandardRoutes{
                    .readiness =
                        [this] {
                          return ready_.load() ? Readiness{} : Readiness{false, "warming up"};
                        },
                    .metrics = [this] { return metrics_->render(); },
                    .resources = provider_,
                });
    router.add("POST", "/echo",
               [](const ServerRequest& r) { return ServerResponse::text(200, r.body); });
    router.get("/slow", [this](const ServerRequest&) {
      slow_entered_.set_value();
      slow_release_.wait();
      return ServerResponse::text(200, "finally");
    });
    // Handlers that get the framing details wrong; the session fixes them up.
    router.get("/odd/204-with-body",
               [](const ServerRequest&) { return ServerResponse::text(204, "ignored"); });
    router.get("/odd/status-42",
               [](const ServerRequest&) { return ServerResponse::text(42, "x"); });
    router.get("/odd/header-injection", [](const ServerRequest&) {
      auto r = ServerResponse::text(200, "ok");
      r.headers.emplace_back("X-Bad", "a\r\nInjected: 1");
      r.headers.emplace_back("X-Good", "b");
      return r;
    });
    server_ = std::make_unique<Server>(options_, std::move(router));
    const auto st = server_->start();
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }

  std::atomic<bool> ready_{false};
  std::promise<void> slow_entered_;  // /slow has started
  std::promise<void> slow_release_promise_;
  std::shared_future<void> slow_release_ = slow_release_promise_.get_future().share();
  std::unique_ptr<runtime::Metrics> metrics_;
  std::optional<runtime::ControllerMetrics> controller_metrics_;
  std::shared_ptr<InMemoryResourceProvider> provider_;
  std::unique_ptr<Server> server_;
};

}  // namespace rwd::http::testing
