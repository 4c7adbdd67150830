// kill -9 of `rewind watch` at every step boundary of a blue-green and of a
// canary roll forward, behind a private nginx. The watcher kills itself at a
// named point (REWIND_TEST_KILL_AT); a second watcher, started without it,
// must converge: the new revision stable, exactly one container of the
// service running it, nginx serving only it, and — measured by a client
// going through nginx all along, the crash included — no failed request.

#include <signal.h>
#include <sys/wait.h>

#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/execute/kill_point.hpp"

#include "traffic/fixture.hpp"

namespace rwd::itest {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

struct Case {
  std::string strategy;  // the spec.strategy lines
  std::string point;
};

class TrafficKillTest : public TrafficTest, public ::testing::WithParamInterface<Case> {
 protected:
  TrafficKillTest() : TrafficTest("trafficcrash") {}

  void run_case() {
    const Case& c = GetParam();
    write_release("rewind-demo:v1", c.strategy);
    start_watcher();
    ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 60s)) << svc_->describe();
    ASSERT_EQ(watcher_->stop(), 0);

    client_ = std::make_unique<Client>(nginx_.port());
    WatcherOptions doomed_options;
    doomed_options.env = {{"REWIND_TEST_KILL_AT", c.point}};
    doomed_options.args = {"--nginx-upstream-dir", nginx_.upstream_dir().string(),
                           "--nginx-conf",         nginx_.config_path().string(),
                           "--nginx-pid-file",     nginx_.pid_file().string(),
                           "--nginx-prefix",       nginx_.dir().string() + "/"};
    {
      Watcher doomed(svc_->releases(), svc_->state(), svc_->log("killed"), doomed_options);
      write_release("rewind-demo:v2", c.strategy);
      std::optional<int> status;
      ASSERT_TRUE(eventually([&] {
        status = doomed.wait_exit(0ms);
        return status.has_value();
      })) << "the watcher never reached "
          << c.point << "\n"
          << svc_->describe();
      EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
          << "wait status " << *status;
      EXPECT_THAT(ComposeService::read_text(svc_->log("killed")),
                  HasSubstr("kill point " + c.point + " reached"));
    }
    start_watcher();
    ASSERT_TRUE(eventually(
        [&] {
          return svc_->stable_at(2) && running_names().size() == 1 &&
                 svc_->status()["status"].value("phase", "") == "Healthy" &&
                 client_->last() == "v2";
        },
        60s))
        << svc_->describe();
    const auto up = svc_->running();
    ASSERT_EQ(up.size(), 1U);
    EXPECT_EQ(up[0]["Config"].value("Image", ""), "rewind-demo:v2");
    EXPECT_NE(upstream().find("127.0.0.1:" + host_port(up[0]) + " weight=100"), std::string::npos)
        << upstream();
    std::this_thread::sleep_for(300ms);
    const auto answers = client_->answers();
    EXPECT_EQ(failures(answers), 0U) << "of " << answers.size() << " requests through nginx";
    EXPECT_EQ(answers.back().body, "v2");
    EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Superseded", "Healthy"}));
    EXPECT_EQ(watcher_->stop(), 0);
  }
};

TEST_P(TrafficKillTest, ConvergesAfterARestartWithoutAFailedRequest) { run_case(); }

const std::string kBlueGreen = "  strategy: {type: BlueGreen, blueGreen: {scaleDownDelay: 1s}}\n";
const std::string kCanary =
    "  strategy: {type: Canary, canary: {steps: [{setWeight: 30}, {pause: 1s}]}}\n";

std::vector<Case> cases(const std::string& strategy, const std::vector<std::string>& points) {
  std::vector<Case> out;
  for (const auto& p : points) out.push_back({strategy, p});
  return out;
}

std::string test_name(const ::testing::TestParamInfo<Case>& info) {
  std::string out;
  for (const char c : info.param.point)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(BlueGreen, TrafficKillTest,
                         ::testing::ValuesIn(cases(kBlueGreen, execute::bluegreen_kill_points())),
                         test_name);
INSTANTIATE_TEST_SUITE_P(Canary, TrafficKillTest,
                         ::testing::ValuesIn(cases(kCanary, execute::canary_kill_points())),
                         test_name);

}  // namespace
}  // namespace rwd::itest
