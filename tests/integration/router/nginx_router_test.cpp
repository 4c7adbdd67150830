// The nginx router against a private nginx on loopback, with two demo apps
// as blue (v1) and green (v2): what nginx serves after each change.

#include "rewind/router/nginx_router.hpp"

#include <atomic>
#include <cstdio>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/router/nginx_upstream.hpp"

#include "router/nginx_server.hpp"

namespace rwd::router {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

const model::ObjectKey kWeb{"default", "web"};

class NginxRouterIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    blue_ = std::make_unique<itest::DemoApp>("v1");
    green_ = std::make_unique<itest::DemoApp>("v2");
    ASSERT_TRUE(nginx_.start(upstream_name(kWeb), upstream_file_name(kWeb),
                             render_upstream(kWeb, weights(100, 0))));
    auto control = make_local_nginx(local_options());
    ASSERT_TRUE(control.ok()) << control.error().message;
    auto router = NginxRouter::create(
        {nginx_.upstream_dir(), std::chrono::milliseconds(2000), std::chrono::milliseconds(5)},
        std::move(control.value()));
    ASSERT_TRUE(router.ok()) << router.error().message;
    router_ = std::move(router.value());
  }

  LocalNginxOptions local_options() const {
    return {"/usr/sbin/nginx", nginx_.config_path(), nginx_.args(), nginx_.pid_file(),
            std::chrono::milliseconds(10'000)};
  }

  std::vector<Backend> weights(int blue, int green) const {
    return {{"blue", blue_->address(), blue}, {"green", green_->address(), green}};
  }

  // set_weights, timed and printed.
  model::Status timed_set(const std::vector<Backend>& b, const std::string& what) {
    const auto start = Clock::now();
    auto st = router_->set_weights(kWeb, b);
    const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::printf("[ timing   ] set_weights %s: %.1f ms\n", what.c_str(), ms);
    return st;
  }

  std::unique_ptr<itest::DemoApp> blue_;
  std::unique_ptr<itest::DemoApp> green_;
  itest::NginxServer nginx_;
  std::unique_ptr<NginxRouter> router_;
};

TEST_F(NginxRouterIntegrationTest, SwitchesAllTrafficFromBlueToGreen) {
  EXPECT_EQ(itest::versions(nginx_.port(), 20), (std::map<std::string, int>{{"v1", 20}}));

  ASSERT_TRUE(timed_set(weights(0, 100), "blue 0 / green 100").ok());
  EXPECT_EQ(itest::versions(nginx_.port(), 20), (std::map<std::string, int>{{"v2", 20}}));

  const std::string file = itest::read_text(nginx_.upstream_dir() / "default_web.conf");
  EXPECT_THAT(file, HasSubstr("upstream rewind_default_web {"));
  EXPECT_THAT(file, HasSubstr("server " + blue_->address() + " down;"));
  EXPECT_THAT(file, HasSubstr("server " + green_->address() + " weight=100;"));
  auto back = router_->weights(kWeb);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, weights(0, 100));

  // Switchback: one call.
  ASSERT_TRUE(timed_set(weights(100, 0), "switchback to blue").ok());
  EXPECT_EQ(itest::versions(nginx_.port(), 20), (std::map<std::string, int>{{"v1", 20}}));
}

TEST_F(NginxRouterIntegrationTest, SplitsNinetyTen) {
  ASSERT_TRUE(timed_set(weights(90, 10), "90/10").ok());
  const auto seen = itest::versions(nginx_.port(), 400);
  ASSERT_EQ(seen.size(), 2U) << ::testing::PrintToString(seen);
  const int green = seen.at("v2");
  // Weighted round robin per worker: close to 40 of 400; allow 20..60.
  EXPECT_GE(green, 20) << ::testing::PrintToString(seen);
  EXPECT_LE(green, 60) << ::testing::PrintToString(seen);
  EXPECT_EQ(seen.at("v1") + green, 400);
}

TEST_F(NginxRouterIntegrationTest, NoRequestFailsWhileSwitchingBackAndForth) {
  std::atomic<bool> done{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<int> retried{0};
  std::string first_failure;  // written by the client thread only, read after join
  std::thread client([&] {
    while (!done) {
      auto r = itest::http_get(nginx_.port(), "/version");
      if (r.status == 0 && r.body.empty()) {
        // Closed unanswered by a worker told to quit (nginx's reload): sent
        // again, once, as HTTP clients do with an idempotent request.
        ++retried;
        r = itest::http_get(nginx_.port(), "/version");
      }
      (r.status == 200 ? ok : failed)++;
      if (r.status != 200 && first_failure.empty()) {
        first_failure = "HTTP " + std::to_string(r.status) + " " + r.error + " " + r.body;
      }
    }
  });
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(
        timed_set(i % 2 == 0 ? weights(0, 100) : weights(100, 0), "switch " + std::to_string(i))
            .ok());
  }
  done = true;
  client.join();
  std::printf(
      "[ traffic  ] %d requests answered, %d failed during 6 switches (%d sent again "
      "after nginx closed the connection unanswered)\n",
      ok.load(), failed.load(), retried.load());
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(failed.load(), 0) << "the first: " << first_failure;
}

TEST_F(NginxRouterIntegrationTest, ABrokenConfigIsRejectedAndTheOldFileStays) {
  const auto path = nginx_.upstream_dir() / "default_web.conf";
  ASSERT_TRUE(router_->set_weights(kWeb, weights(100, 0)).ok());
  const std::string before = itest::read_text(path);
  itest::write_text(nginx_.upstream_dir() / "zz_by_hand.conf", "bogus_directive on;\n");

  auto st = router_->set_weights(kWeb, weights(0, 100));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("unknown directive \"bogus_directive\""));
  EXPECT_THAT(st.error().message, HasSubstr("zz_by_hand.conf:1"));
  EXPECT_THAT(st.error().message, HasSubstr("the previous file is back"));
  EXPECT_EQ(itest::read_text(path), before);
  EXPECT_EQ(itest::versions(nginx_.port(), 20), (std::map<std::string, int>{{"v1", 20}}));
  EXPECT_EQ(*router_->weights(kWeb), weights(100, 0));

  std::filesystem::remove(nginx_.upstream_dir() / "zz_by_hand.conf");
  ASSERT_TRUE(router_->set_weights(kWeb, weights(0, 100)).ok());
  EXPECT_EQ(itest::versions(nginx_.port(), 10), (std::map<std::string, int>{{"v2", 10}}));
}

TEST_F(NginxRouterIntegrationTest, AReloadThatDoesNotTakeEffectIsAnError) {
  // A stopped master cannot act on SIGHUP: the workers stay.
  const int master = nginx_.master_pid();
  ASSERT_EQ(::kill(master, SIGSTOP), 0);
  auto control = make_local_nginx(local_options());
  ASSERT_TRUE(control.ok()) << control.error().message;
  auto router = NginxRouter::create(
      {nginx_.upstream_dir(), std::chrono::milliseconds(500), std::chrono::milliseconds(5)},
      std::move(control.value()));
  ASSERT_TRUE(router.ok());
  auto st = (*router)->set_weights(kWeb, weights(0, 100));
  ::kill(master, SIGCONT);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("nginx did not reload: workers unchanged after 500ms"));
  EXPECT_THAT(st.error().message, HasSubstr("see its error log"));
  EXPECT_THAT(st.error().message, HasSubstr("holds the new configuration"));
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTransient);
  // The file is the new one; once the master runs again it reloads it.
  EXPECT_EQ(*(*router)->weights(kWeb), weights(0, 100));
  // Retrying the same weights is not a no-op: they were never verified live.
  ASSERT_TRUE((*router)->set_weights(kWeb, weights(0, 100)).ok());
  EXPECT_EQ(itest::versions(nginx_.port(), 10), (std::map<std::string, int>{{"v2", 10}}));
}

TEST_F(NginxRouterIntegrationTest, AStalePidFileIsNamed) {
  const auto path = nginx_.upstream_dir() / "default_web.conf";
  const std::string before = itest::read_text(path);
  nginx_.stop();
  // A pid that surely is not running: a child that has exited and been reaped.
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  itest::write_text(nginx_.pid_file(), std::to_string(gone) + "\n");

  auto st = router_->set_weights(kWeb, weights(0, 100));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message,
              HasSubstr("pid file " + nginx_.pid_file().string() + " names pid " +
                        std::to_string(gone) + ", which is not running"));
  EXPECT_EQ(itest::read_text(path), before);  // nothing written

  auto control = make_local_nginx(local_options());
  ASSERT_FALSE(control.ok());
  EXPECT_THAT(control.error().message, HasSubstr("stale pid file"));

  // A pid file naming a live process that is not nginx.
  itest::write_text(nginx_.pid_file(), std::to_string(::getpid()) + "\n");
  auto other = make_local_nginx(local_options());
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.error().message, HasSubstr("which is not an nginx master"));
}

TEST_F(NginxRouterIntegrationTest, MisconfigurationsAreNamed) {
  auto missing = NginxRouter::create(
      {nginx_.dir() / "nope", std::chrono::milliseconds(2000), std::chrono::milliseconds(5)},
      make_local_nginx(local_options()).value());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("nope does not exist"));

  auto options = local_options();
  options.pid_file = nginx_.dir() / "no.pid";
  auto no_pid = make_local_nginx(options);
  ASSERT_FALSE(no_pid.ok());
  EXPECT_THAT(no_pid.error().message, HasSubstr("no.pid does not exist"));
}

}  // namespace
}  // namespace rwd::router
