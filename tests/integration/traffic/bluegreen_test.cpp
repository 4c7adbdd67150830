// Blue-green end to end: the real `rewind watch`, a compose-style service on
// the real Docker Engine, and a private nginx in front of it whose upstream
// file rewind owns (--nginx-upstream-dir, reloaded through its pid file).
// A client sends GET /version through nginx all along, on a new connection
// each time, and keeps every answer: the assertions are on what it saw, on
// the containers the Engine reports and on the upstream file.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/model/time.hpp"

#include "traffic/fixture.hpp"

namespace rwd::itest {
namespace {

using namespace std::chrono_literals;

class BlueGreenTest : public TrafficTest {
 protected:
  BlueGreenTest() : TrafficTest("bluegreen") {}
  void write_release(const std::string& image, const std::string& scale_down_delay,
                     const std::string& extra = "") {
    TrafficTest::write_release(image, "  strategy: {type: BlueGreen, blueGreen: {scaleDownDelay: " +
                                          scale_down_delay + "}}\n" + extra);
  }
};

TEST_F(BlueGreenTest, V1ToV2SwitchesWithoutAFailedRequestAndStopsTheOldColorAfterTheDelay) {
  write_release("rewind-demo:v1", "3s");
  start_watcher();
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 60s)) << svc_->describe();

  client_ = std::make_unique<Client>(nginx_.port());
  ASSERT_TRUE(eventually([&] { return client_->last() == "v1"; }, 10s));
  write_release("rewind-demo:v2", "3s");
  ASSERT_TRUE(eventually([&] { return client_->last() == "v2"; }, 60s)) << svc_->describe();
  // Right after the switch both colors run: the old one waits for scaleDownDelay.
  const std::string green = svc_->container_name() + "-green";
  EXPECT_EQ(running_names().size(), 2U) << svc_->describe();
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2); }, 60s)) << svc_->describe();
  std::this_thread::sleep_for(500ms);  // more answers after the old color stopped
  const auto answers = client_->answers();
  const int retried = client_->retried();
  client_.reset();

  EXPECT_EQ(running_names(), std::vector<std::string>{green});
  EXPECT_EQ(svc_->containers().size(), 1U) << "the old color is removed once v2 is stable";
  const auto up = svc_->running();
  ASSERT_EQ(up.size(), 1U);
  EXPECT_EQ(up[0]["Config"]["Labels"].value("rewind.dev/color", ""), "green");
  EXPECT_EQ(up[0]["Config"].value("Image", ""), "rewind-demo:v2");
  const auto& binding = up[0]["NetworkSettings"]["Ports"]["8080/tcp"];
  ASSERT_TRUE(binding.is_array() && !binding.empty()) << up[0]["NetworkSettings"].dump();
  EXPECT_EQ(binding[0].value("HostIp", ""), "127.0.0.1");
  EXPECT_NE(upstream().find("127.0.0.1:" + host_port(up[0]) + " weight=100"), std::string::npos)
      << upstream();

  // What the client saw: every request answered, v1 then v2.
  // While nginx's old workers finish, some requests still reach v1 after
  // the first reached v2: the mixed window, from the first v2 to the last v1.
  std::size_t failed = 0;
  std::size_t v1_after_v2 = 0;
  std::optional<Clock::time_point> first_v2;
  Clock::time_point last_v1{};
  for (const auto& a : answers) {
    if (a.status != 200) ++failed;
    if (a.body == "v2" && !first_v2) first_v2 = a.at;
    if (a.body == "v1") {
      last_v1 = a.at;
      if (first_v2) ++v1_after_v2;
    }
  }
  ASSERT_TRUE(first_v2.has_value());
  const auto mixed =
      last_v1 > *first_v2
          ? std::chrono::duration_cast<std::chrono::milliseconds>(last_v1 - *first_v2)
          : std::chrono::milliseconds(0);
  EXPECT_EQ(failed, 0U) << "of " << answers.size() << " requests";
  EXPECT_GT(answers.size(), 500U);
  EXPECT_EQ(answers.back().body, "v2");
  std::cout << "blue-green v1->v2: " << answers.size() << " requests through nginx, " << failed
            << " failed, " << v1_after_v2 << " answered by v1 after the first v2 (within "
            << mixed.count() << " ms); " << retried
            << " sent again after nginx closed the connection unanswered\n";
  RecordProperty("mixed_ms", static_cast<int>(mixed.count()));
  RecordProperty("requests", static_cast<int>(answers.size()));
  RecordProperty("v1_after_first_v2", static_cast<int>(v1_after_v2));
  EXPECT_EQ(watcher_->stop(), 0);
}

TEST_F(BlueGreenTest, V2FailingItsAnalysisAfterTheSwitchIsSwitchedBackToTheColorStillUp) {
  // v2 answers every GET / with 500; /health and /version stay fine, so it
  // passes its health gate, takes the traffic, and fails on real requests.
  const std::string analysis =
      "  analysis:\n"
      "    interval: 1s\n"
      "    window: 30s\n"
      "    metrics:\n"
      "      - name: root-status\n"
      "        http: {path: /, port: 8080, expectStatus: 200, timeout: 1s}\n"
      "        failIf: \"> 5\"\n"
      "        failureLimit: 1\n";
  write_release("rewind-demo:v1", "10m", "  config: {env: {DEMO_ERROR_RATE: \"0\"}}\n" + analysis);
  start_watcher();
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 90s)) << svc_->describe();
  const auto v1 = svc_->running();
  ASSERT_EQ(v1.size(), 1U);
  const std::string v1_id = v1[0].value("Id", "");

  client_ = std::make_unique<Client>(nginx_.port());
  write_release("rewind-demo:v2", "10m", "  config: {env: {DEMO_ERROR_RATE: \"1\"}}\n" + analysis);
  ASSERT_TRUE(eventually([&] { return client_->last() == "v2"; }, 60s)) << svc_->describe();
  ASSERT_TRUE(eventually(
      [&] { return svc_->outcomes().size() == 2 && svc_->outcomes()[1] == "FailedAnalysis"; }, 60s))
      << svc_->describe();
  ASSERT_TRUE(eventually([&] { return client_->last() == "v1" && svc_->stable_at(1); }, 30s))
      << svc_->describe();
  std::this_thread::sleep_for(300ms);
  const auto answers = client_->answers();
  client_.reset();

  // The switchback was one router change: v1's container never stopped.
  const auto after = svc_->running();
  bool v1_still_same = false;
  for (const auto& c : after) v1_still_same = v1_still_same || c.value("Id", "") == v1_id;
  EXPECT_TRUE(v1_still_same) << svc_->describe();
  EXPECT_EQ(after.size(), 2U) << "the failed color stays up, out of traffic";
  EXPECT_NE(upstream().find("name=blue weight=100"), std::string::npos) << upstream();

  // From the decision (v2's outcome recorded) to nginx serving only v1.
  const auto h = svc_->history();
  const auto decided = model::parse_timestamp(h["revisions"][1].value("endedAt", ""));
  ASSERT_TRUE(decided.has_value()) << h.dump(2);
  std::optional<Clock::time_point> back;
  for (const auto& a : answers) {
    if (a.body == "v2")
      back.reset();
    else if (a.body == "v1" && !back && a.at >= *decided - 1s)
      back = a.at;
  }
  ASSERT_TRUE(back.has_value());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*back - *decided).count();
  std::size_t failed = 0;
  for (const auto& a : answers) failed += a.status == 200 ? 0U : 1U;
  EXPECT_EQ(failed, 0U) << "GET /version never fails, on either color";
  std::cout << "switchback: " << ms << " ms from v2's failed analysis to nginx serving only v1\n";
  RecordProperty("decision_to_v1_ms", static_cast<int>(ms));
  const auto st = svc_->status()["status"];
  EXPECT_EQ(st["lastRollback"].value("from", 0), 2) << st.dump(2);
  EXPECT_EQ(st["lastRollback"].value("to", 0), 1) << st.dump(2);
  EXPECT_EQ(watcher_->stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
