// Metric analysis end to end: the real `rewind watch`, a compose-style
// service on the real Docker Engine, and a private Prometheus that finds the
// service's containers through the Engine (docker_sd) and labels their
// series with the rewind.dev/revision label, as an operator would set it up.
// A client keeps sending GET / to whatever container serves. A revision
// whose error rate (measured by Prometheus, {{revision}} filled in) passes
// failIf becomes stable; one that breaks it is rolled back within its window,
// and spec.notify's webhook (a real HTTP server here) hears about it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/http/server.hpp"

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "prometheus_server.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

using namespace std::chrono_literals;

constexpr const char* kErrorRate =
    "sum(rate(http_requests_total{code=\"500\",revision=\"{{revision}}\"}[10s])) / "
    "sum(rate(http_requests_total{revision=\"{{revision}}\"}[10s]))";

// GET / on every running container of the service, until stopped.
class Traffic {
 public:
  explicit Traffic(const ComposeService& svc)
      : thread_([this, &svc](std::stop_token stop) {
          while (!stop.stop_requested()) {
            for (const auto& c : svc.running()) {
              const auto& bindings = c["NetworkSettings"]["Ports"]["8080/tcp"];
              if (!bindings.is_array() || bindings.empty()) continue;
              const std::string port = bindings[0].value("HostPort", "");
              if (port.empty()) continue;
              for (int i = 0; i < 10; ++i) (void)http_get(std::stoi(port), "/");
              sent_ += 10;
            }
            std::this_thread::sleep_for(100ms);
          }
        }) {}
  [[nodiscard]] long sent() const { return sent_; }

 private:
  std::atomic<long> sent_{0};
  std::jthread thread_;
};

// Keeps the JSON bodies POSTed to /hook.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    http::Router router;
    router.add("POST", "/hook", [this](const http::ServerRequest& r) {
      std::lock_guard lock(mu_);
      events_.push_back(nlohmann::json::parse(r.body, nullptr, false));
      return http::ServerResponse::json(200, model::Json{{"ok", true}});
    });
    http::ServerOptions o;
    o.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<http::Server>(o, std::move(router));
    auto st = server_->start();
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  ~WebhookReceiver() { server_->stop(); }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  [[nodiscard]] std::vector<std::string> types() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : events_) out.push_back(e.is_object() ? e.value("event", "?") : "?");
    return out;
  }
  [[nodiscard]] nlohmann::json last() {
    std::lock_guard lock(mu_);
    return events_.empty() ? nlohmann::json() : events_.back();
  }

 private:
  std::mutex mu_;
  std::vector<nlohmann::json> events_;
  std::unique_ptr<http::Server> server_;
};

class RolloutAnalysisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    svc_ = std::make_unique<ComposeService>("analysis");
    ASSERT_TRUE(svc_->up("rewind-demo:v1"));
    prometheus_ = std::make_unique<PrometheusServer>(DockerScrape{svc_->project(), 8080});
    traffic_ = std::make_unique<Traffic>(*svc_);
  }
  void TearDown() override {
    traffic_.reset();
    if (HasFailure()) {
      std::cerr << "---- rewind watch log ----\n"
                << ComposeService::read_text(svc_->log("1")) << "---- prometheus log ----\n"
                << prometheus_->log() << svc_->describe();
    }
  }

  // The Release with an analysis window of 20 s, measured every 2 s. Before
  // Prometheus has two samples of a container the query is empty:
  // inconclusive, tolerated.
  // v1 is the container compose made: it has no rewind.dev/revision label,
  // so its series have no revision either and its analysis is all
  // inconclusive (tolerated, but it would prove nothing); it goes without.
  void write_release(const std::string& image, const std::string& error_rate,
                     bool analysed = true) {
    svc_->write_release(
        image,
        "  config: {env: {DEMO_ERROR_RATE: \"" + error_rate +
            "\"}}\n"
            "  healthCheck: {http: {path: /health, port: 8080}, interval: 500ms, timeout: 1s, "
            "failureThreshold: 3}\n"
            "  rollbackPolicy: {progressDeadline: 1m}\n" +
            (analysed ? analysis() : std::string()));
  }
  std::string analysis() const {
    return std::string(
        "  analysis:\n"
        "    interval: 2s\n"
        "    window: 20s\n"
        "    prometheus: {address: \"" +
        prometheus_->address() +
        "\"}\n"
        "    metrics:\n"
        "      - name: error-rate\n"
        "        query: '" +
        kErrorRate +
        "'\n"
        "        failIf: \"> 0.05\"\n"
        "        inconclusiveLimit: 100\n"
        "  notify: [{webhook: {url: \"" +
        hooks_.url() + "\"}}]\n");
  }

  std::string outcome(std::size_t index) const {
    const auto h = svc_->history();
    if (!h.contains("revisions") || h["revisions"].size() <= index) return "";
    return h["revisions"][index].value("outcome", "");
  }

  std::unique_ptr<ComposeService> svc_;
  std::unique_ptr<PrometheusServer> prometheus_;
  std::unique_ptr<Traffic> traffic_;
  std::unique_ptr<Watcher> watcher_;
  WebhookReceiver hooks_;
  DockerCleanup cleanup_;
};

TEST_F(RolloutAnalysisTest, AnErrorRateAboveFailIfRollsTheRevisionBackWithinItsWindow) {
  write_release("rewind-demo:v1", "0", false);
  watcher_ = std::make_unique<Watcher>(svc_->releases(), svc_->state(), svc_->log("1"));
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 90s)) << svc_->describe();

  // v2 answers every other GET / with a 500.
  write_release("rewind-demo:v2", "0.5");
  ASSERT_TRUE(eventually([&] { return outcome(1) == "FailedAnalysis"; }, 90s))
      << svc_->history().dump(2);
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }, 90s))
      << svc_->describe();
  const auto h = svc_->history();
  const std::string why = h["revisions"][1].value("outcomeReason", "");
  EXPECT_NE(why.find("analysis/error-rate"), std::string::npos) << why;
  EXPECT_NE(why.find("> 0.05"), std::string::npos) << why;
  const auto st = svc_->status()["status"];
  EXPECT_EQ(st["lastRollback"].value("to", 0), 1) << st.dump(2);
  EXPECT_GT(traffic_->sent(), 0);
  // The webhook heard the rollout, the automatic rollback and its end.
  ASSERT_TRUE(eventually([&] { return hooks_.types().size() >= 3; }, 20s));
  EXPECT_EQ(hooks_.types(),
            (std::vector<std::string>{"rollout-started", "rollback-started", "rolled-back"}));
  const auto back = hooks_.last();
  EXPECT_EQ(back.value("release", ""), "it/api");
  EXPECT_EQ(back.value("from", 0), 2);
  EXPECT_EQ(back.value("to", 0), 1);
  EXPECT_EQ(back.value("trigger", ""), "Automatic");
  EXPECT_TRUE(back["seconds"].is_number()) << back.dump();
  EXPECT_EQ(watcher_->stop(), 0);
}

TEST_F(RolloutAnalysisTest, AnErrorRateWithinFailIfThroughTheWindowMakesTheRevisionStable) {
  write_release("rewind-demo:v1", "0", false);
  watcher_ = std::make_unique<Watcher>(svc_->releases(), svc_->state(), svc_->log("1"));
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 90s)) << svc_->describe();

  // 1 in 50 fails: 0.02, under the threshold.
  write_release("rewind-demo:v2", "0.02");
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2) && svc_->served_version() == "v2"; }, 90s))
      << svc_->describe();
  EXPECT_EQ(outcome(1), "Healthy");
  // Passed on data: Prometheus's numbers were judged, not only empty results.
  const auto log = ComposeService::read_text(svc_->log("1"));
  EXPECT_NE(log.find("analysis passed: error-rate ("), std::string::npos) << log;
  EXPECT_EQ(log.find("(0 judged"), std::string::npos) << log;
  ASSERT_TRUE(eventually([&] { return hooks_.types().size() >= 2; }, 20s));
  EXPECT_EQ(hooks_.types(), (std::vector<std::string>{"rollout-started", "promoted"}));
  EXPECT_EQ(watcher_->stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
