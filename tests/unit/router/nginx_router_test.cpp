// NginxRouter on a real temporary directory with an in-memory nginx: the file
// it writes, nginx -t failures that put the old file back, reload checks.

#include "rewind/router/nginx_router.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/router/memory_router.hpp"
#include "rewind/router/nginx_upstream.hpp"

namespace rwd::router {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// nginx as the router sees it: a reload replaces the workers at once unless
// told otherwise; every call is recorded.
struct FakeNginxState {
  std::vector<std::string> calls;
  std::optional<model::Error> reject;  // test_config fails with this
  std::optional<model::Error> not_running;
  bool reload_takes_effect = true;
  int next_pid = 100;
  std::vector<int> workers{1, 2};
  std::vector<std::string> files_seen_by_test;  // the upstream file's content at each test
  fs::path watched;
};

class FakeNginx final : public NginxControl {
 public:
  explicit FakeNginx(FakeNginxState& s) : s_(s) {}
  [[nodiscard]] std::string describe() const override { return "fake nginx"; }
  model::Status test_config() override {
    s_.calls.emplace_back("test");
    std::ifstream in(s_.watched);
    std::stringstream ss;
    ss << in.rdbuf();
    s_.files_seen_by_test.push_back(ss.str());
    if (s_.reject) return *s_.reject;
    return {};
  }
  model::Result<std::vector<int>> workers() override {
    s_.calls.emplace_back("workers");
    if (s_.not_running) return *s_.not_running;
    return s_.workers;
  }
  model::Status reload() override {
    s_.calls.emplace_back("reload");
    if (s_.reload_takes_effect) s_.workers = {s_.next_pid++, s_.next_pid++};
    return {};
  }

 private:
  FakeNginxState& s_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class NginxRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "rewind-router-unit-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    state_.watched = dir_ / "default_web.conf";
    auto r =
        NginxRouter::create({dir_, std::chrono::milliseconds(2000), std::chrono::milliseconds(1)},
                            std::make_unique<FakeNginx>(state_));
    ASSERT_TRUE(r.ok()) << r.error().message;
    router_ = std::move(r.value());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  FakeNginxState state_;
  std::unique_ptr<NginxRouter> router_;
  const model::ObjectKey web_{"default", "web"};
  const std::vector<Backend> blue_{{"blue", "127.0.0.1:18080", 100},
                                   {"green", "127.0.0.1:18081", 0}};
  const std::vector<Backend> green_{{"blue", "127.0.0.1:18080", 0},
                                    {"green", "127.0.0.1:18081", 100}};
};

TEST_F(NginxRouterTest, WritesTestsReloadsAndReadsBack) {
  ASSERT_TRUE(router_->set_weights(web_, blue_).ok());
  EXPECT_EQ(slurp(dir_ / "default_web.conf"), render_upstream(web_, blue_));
  EXPECT_EQ(state_.calls, (std::vector<std::string>{"workers", "test", "reload", "workers"}));
  EXPECT_EQ(state_.files_seen_by_test.at(0), render_upstream(web_, blue_));
  auto w = router_->weights(web_);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, blue_);
  // No temp files left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(NginxRouterTest, TheOperatorsBootstrapFileMeansNoWeightsAndIsReplacedByTheFirstSwitch) {
  // What an operator writes so that nginx can start before rewind's first switch.
  std::ofstream(dir_ / "default_web.conf")
      << "upstream rewind_default_web { server 127.0.0.1:8080; }\n";
  auto before = router_->weights(web_);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_TRUE(before->empty());
  ASSERT_TRUE(router_->set_weights(web_, green_).ok());
  EXPECT_EQ(*router_->weights(web_), green_);
}

TEST_F(NginxRouterTest, RewindsFileEditedIntoNonsenseIsAnError) {
  ASSERT_TRUE(router_->set_weights(web_, blue_).ok());
  std::string text = slurp(dir_ / "default_web.conf");
  text.replace(text.find("weight=100;"), 11, "down;");
  std::ofstream(dir_ / "default_web.conf", std::ios::trunc) << text;
  EXPECT_FALSE(router_->weights(web_).ok());
}

TEST_F(NginxRouterTest, TheSameWeightsAgainAreANoOp) {
  ASSERT_TRUE(router_->set_weights(web_, blue_).ok());
  state_.calls.clear();
  ASSERT_TRUE(router_->set_weights(web_, blue_).ok());
  EXPECT_TRUE(state_.calls.empty());
}

TEST_F(NginxRouterTest, RejectedConfigPutsThePreviousFileBackAndDoesNotReload) {
  ASSERT_TRUE(router_->set_weights(web_, blue_).ok());
  state_.calls.clear();
  state_.reject = model::Error::terminal(
      "nginx -t rejected it (exit 1): nginx: [emerg] unknown directive \"bogus\"");
  auto st = router_->set_weights(web_, green_);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("unknown directive \"bogus\""));
  EXPECT_THAT(st.error().message, HasSubstr("the previous file is back"));
  EXPECT_THAT(st.error().message, HasSubstr("nothing was reloaded"));
  EXPECT_EQ(st.error().reason, "RouterConfigRejected");
  EXPECT_EQ(state_.files_seen_by_test.back(), render_upstream(web_, green_));
  EXPECT_EQ(slurp(dir_ / "default_web.conf"), render_upstream(web_, blue_));
  EXPECT_EQ(state_.calls, (std::vector<std::string>{"workers", "test"}));
}

TEST_F(NginxRouterTest, RejectedFirstConfigRemovesTheNewFile) {
  state_.reject = model::Error::terminal("nginx: [emerg] bad");
  auto st = router_->set_weights(web_, blue_);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("the new file was removed again"));
  EXPECT_FALSE(fs::exists(dir_ / "default_web.conf"));
  EXPECT_TRUE(router_->weights(web_)->empty());
}

TEST_F(NginxRouterTest, NginxNotRunningLeavesTheFileAlone) {
  state_.not_running = model::Error::terminal("pid file /x names pid 9, which is not running");
  auto st = router_->set_weights(web_, blue_);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("which is not running"));
  EXPECT_FALSE(fs::exists(dir_ / "default_web.conf"));
}

TEST_F(NginxRouterTest, InvalidBackendsChangeNothing) {
  auto st = router_->set_weights(web_, {{"blue", "127.0.0.1:1", 0}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, model::ErrorKind::kInvalidSpec);
  EXPECT_TRUE(state_.calls.empty());
}

TEST_F(NginxRouterTest, RemoveDeletesTheFileAndReloads) {
  ASSERT_TRUE(router_->set_weights(web_, blue_).ok());
  state_.calls.clear();
  ASSERT_TRUE(router_->remove(web_).ok());
  EXPECT_FALSE(fs::exists(dir_ / "default_web.conf"));
  EXPECT_EQ(state_.calls, (std::vector<std::string>{"workers", "test", "reload", "workers"}));
  state_.calls.clear();
  ASSERT_TRUE(router_->remove(web_).ok());  // nothing there: nothing to do
  EXPECT_TRUE(state_.calls.empty());
}

TEST_F(NginxRouterTest, RemoveThatNginxRejectsPutsTheFileBack) {
  ASSERT_TRUE(router_->set_weights(web_, blue_).ok());
  state_.reject = model::Error::terminal("nginx: [emerg] no upstream rewind_default_web");
  auto st = router_->remove(web_);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("rejected the removal"));
  EXPECT_EQ(slurp(dir_ / "default_web.conf"), render_upstream(web_, blue_));
}

TEST_F(NginxRouterTest, CreateNamesAMissingDirectory) {
  auto r = NginxRouter::create(
      {dir_ / "missing", std::chrono::milliseconds(2000), std::chrono::milliseconds(5)},
      std::make_unique<FakeNginx>(state_));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("nginx upstream directory"));
  EXPECT_THAT(r.error().message, HasSubstr("missing does not exist"));

  std::ofstream(dir_ / "plain") << "x";
  auto f = NginxRouter::create(
      {dir_ / "plain", std::chrono::milliseconds(2000), std::chrono::milliseconds(5)},
      std::make_unique<FakeNginx>(state_));
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.error().message, HasSubstr("is not a directory"));
}

TEST(LocalNginxTest, MisconfigurationsAreNamed) {
  auto bin = make_local_nginx(
      {"/nonexistent/nginx", "/etc/hosts", {}, "/x.pid", std::chrono::milliseconds(1000)});
  ASSERT_FALSE(bin.ok());
  EXPECT_THAT(bin.error().message, HasSubstr("\"/nonexistent/nginx\" is not an executable"));
  auto conf = make_local_nginx(
      {"/bin/true", "/nonexistent/nginx.conf", {}, "/x.pid", std::chrono::milliseconds(1000)});
  ASSERT_FALSE(conf.ok());
  EXPECT_THAT(conf.error().message, HasSubstr("/nonexistent/nginx.conf is not readable"));
  auto pid = make_local_nginx(
      {"/bin/true", "/etc/hosts", {}, "/nonexistent/nginx.pid", std::chrono::milliseconds(1000)});
  ASSERT_FALSE(pid.ok());
  EXPECT_THAT(pid.error().message, HasSubstr("pid file /nonexistent/nginx.pid does not exist"));
}

TEST(InMemoryRouterTest, KeepsWeightsRecordsCallsAndFailsOnRequest) {
  InMemoryRouter r;
  const model::ObjectKey key{"default", "web"};
  ASSERT_TRUE(r.set_weights(key, {{"stable", "h:1", 90}, {"canary", "h:2", 10}}).ok());
  EXPECT_EQ(r.weight_of(key, "canary"), 10);
  r.fail_next(model::Error::transient("nginx did not reload"));
  EXPECT_FALSE(r.set_weights(key, {{"stable", "h:1", 100}, {"canary", "h:2", 0}}).ok());
  EXPECT_EQ(r.weight_of(key, "canary"), 10);
  EXPECT_FALSE(r.set_weights(key, {{"stable", "h:1", 0}}).ok());  // validated like the real one
  ASSERT_TRUE(r.remove(key).ok());
  EXPECT_TRUE(r.weights(key)->empty());
  EXPECT_EQ(r.calls().size(), 5U);
  EXPECT_EQ(r.calls()[0].op, "set_weights");
}

}  // namespace
}  // namespace rwd::router
