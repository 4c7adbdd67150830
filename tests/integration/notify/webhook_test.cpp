// WebhookNotifier against a real rwd::http::Server on 127.0.0.1.

#include "rewind/notify/webhook.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/http/server.hpp"

namespace rwd::notify {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Received {
  std::string target;
  std::map<std::string, std::string> headers;
  std::string body;
};

// Records POST /hook...; answers with the statuses in `script`, then 200.
class Receiver {
 public:
  explicit Receiver(std::vector<int> script = {}) : script_(std::move(script)) {
    http::Router router;
    router.add("POST", "/hook", [this](const http::ServerRequest& r) {
      std::lock_guard lock(mu_);
      received_.push_back({r.target, r.headers, r.body});
      cv_.notify_all();
      const int status = next_ < script_.size() ? script_[next_++] : 200;
      return http::ServerResponse::json(status, model::Json{{"ok", status == 200}});
    });
    http::ServerOptions o;
    o.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<http::Server>(o, std::move(router));
    auto st = server_->start();
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  ~Receiver() { server_->stop(); }

  std::string url(const std::string& suffix = "") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook" + suffix;
  }

  // Waits for `n` requests (at most `timeout`); returns what arrived.
  std::vector<Received> wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
    return received_;
  }

 private:
  std::vector<int> script_;
  std::size_t next_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  std::unique_ptr<http::Server> server_;
};

model::NotifySpec webhook(std::string url) {
  model::NotifySpec s;
  s.webhook = model::WebhookSpec{std::move(url)};
  return s;
}

Event rolled_back() {
  Event e;
  e.type = kRolledBack;
  e.release = {"shop", "web"};
  e.from_revision = 7;
  e.to_revision = 6;
  e.trigger = "analysis/error-rate";
  e.message = "error rate 0.31 > 0.05";
  e.at = *model::parse_timestamp("2024-05-01T10:00:00Z");
  e.seconds = 0.42;
  e.link = "http://127.0.0.1:9464/api/v1/releases/shop/web";
  return e;
}

WebhookOptions fast() {
  WebhookOptions o;
  o.max_attempts = 5;
  o.initial_backoff = 50ms;
  o.max_backoff = 200ms;
  o.attempt_timeout = 2s;
  o.drain_timeout = 5s;
  return o;
}

TEST(WebhookIntegrationTest, PostsTheEventAsJson) {
  Receiver receiver;
  WebhookNotifier notifier(fast());
  notifier.notify(rolled_back(),
                  {webhook("http://hook-user:p%40ss@127.0.0.1:" +
                           receiver.url().substr(receiver.url().rfind(':') + 1) + "?token=abc")});
  const auto got = receiver.wait_for(1, 10s);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].target, "/hook?token=abc");
  EXPECT_EQ(got[0].headers.at("content-type"), "application/json");
  // user:password@ travels as Basic authentication: "hook-user:p@ss".
  EXPECT_EQ(got[0].headers.at("authorization"), "Basic aG9vay11c2VyOnBAc3M=");
  const auto body = model::Json::parse(got[0].body);
  EXPECT_EQ(body.at("event"), "rolled-back");
  EXPECT_EQ(body.at("release"), "shop/web");
  EXPECT_EQ(body.at("from"), 7);
  EXPECT_EQ(body.at("to"), 6);
  EXPECT_EQ(body.at("trigger"), "analysis/error-rate");
  EXPECT_EQ(body.at("message"), "error rate 0.31 > 0.05");
  EXPECT_EQ(body.at("at"), "2024-05-01T10:00:00Z");
  EXPECT_DOUBLE_EQ(body.at("seconds").get<double>(), 0.42);
  EXPECT_EQ(body.at("link"), "http://127.0.0.1:9464/api/v1/releases/shop/web");
  notifier.shutdown();
  EXPECT_EQ(notifier.stats().delivered, 1U);
}

TEST(WebhookIntegrationTest, RetriesUntilTheServerAccepts) {
  Receiver receiver({500, 500});
  WebhookNotifier notifier(fast());
  const auto start = Clock::now();
  notifier.notify(rolled_back(), {webhook(receiver.url())});
  const auto got = receiver.wait_for(3, 10s);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].body, got[2].body);
  // Backoff 50ms then 100ms before the third attempt.
  EXPECT_GE(Clock::now() - start, 150ms);
  notifier.shutdown();
  EXPECT_EQ(notifier.stats().delivered, 1U);
  EXPECT_EQ(receiver.wait_for(4, 200ms).size(), 3U);  // nothing after success
}

TEST(WebhookIntegrationTest, ASilentServerDoesNotBlockNotifyOrLaterEvents) {
  // Accepts connections (the kernel's backlog) and never answers.
  const int silent = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);  // NOLINT
  ASSERT_EQ(::listen(silent, 16), 0);
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len), 0);  // NOLINT
  const std::string silent_url =
      "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook";
  Receiver receiver;
  auto o = fast();
  o.max_attempts = 2;
  o.attempt_timeout = 300ms;
  WebhookNotifier notifier(o);

  const auto start = Clock::now();
  notifier.notify(rolled_back(), {webhook(silent_url)});
  Event next = rolled_back();
  next.type = kPromoted;
  notifier.notify(next, {webhook(receiver.url())});
  EXPECT_LT(Clock::now() - start, 50ms) << "notify() waited";

  const auto got = receiver.wait_for(1, 10s);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(model::Json::parse(got[0].body).at("event"), "promoted");
  // Two attempts of 300ms and a 50ms backoff went first.
  EXPECT_GE(Clock::now() - start, 650ms);
  notifier.shutdown();
  EXPECT_EQ(notifier.stats().gave_up, 1U);
  EXPECT_EQ(notifier.stats().delivered, 1U);
  ::close(silent);
}

TEST(WebhookIntegrationTest, ShutdownIsBoundedWhileATargetKeepsFailing) {
  Receiver receiver({500, 500, 500, 500, 500, 500, 500, 500});
  auto o = fast();
  o.initial_backoff = 5s;
  o.max_backoff = 5s;
  o.drain_timeout = 200ms;
  WebhookNotifier notifier(o);
  notifier.notify(rolled_back(), {webhook(receiver.url())});
  ASSERT_EQ(receiver.wait_for(1, 10s).size(), 1U);
  const auto start = Clock::now();
  notifier.shutdown();  // interrupts the 5s backoff after draining for 200ms
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(notifier.stats().dropped, 1U);
}

}  // namespace
}  // namespace rwd::notify
