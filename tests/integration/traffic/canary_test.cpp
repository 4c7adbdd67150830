// Canary end to end: the real `rewind watch`, a compose-style service on the
// real Docker Engine, and a private nginx whose upstream file rewind owns. A
// client sends GET /version through nginx all along; the shares it sees are
// compared with the weights in the upstream file at the time.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/model/time.hpp"

#include "traffic/fixture.hpp"

namespace rwd::itest {
namespace {

using namespace std::chrono_literals;

class CanaryTest : public TrafficTest {
 protected:
  CanaryTest() : TrafficTest("canary") {}

  // `steps`: the flow list of spec.strategy.canary.steps; `extra`: more spec lines.
  void write_canary(const std::string& image, const std::string& steps,
                    const std::string& extra = "") {
    write_release(image, "  strategy: {type: Canary, canary: {steps: " + steps + "}}\n" + extra);
  }

  // The canary's weight in the upstream file; -1 when it has no canary backend.
  [[nodiscard]] int canary_weight() const {
    const std::string text = upstream();
    const auto at = text.find("name=canary weight=");
    if (at == std::string::npos) return -1;
    return std::atoi(text.c_str() + at + std::char_traits<char>::length("name=canary weight="));
  }

  // v1 with `steps` under a running watcher, stable.
  void start_at_v1(const std::string& steps, const std::string& extra = "",
                   const std::vector<std::string>& watcher_args = {}) {
    write_canary("rewind-demo:v1", steps, extra);
    start_watcher(watcher_args);
    ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 60s)) << svc_->describe();
  }

  // Back at `revision`, the canary gone, and the final phase written (by the
  // pass after the plan's end).
  [[nodiscard]] bool rolled_back_to(int revision) const {
    return svc_->stable_at(revision) && running_names().size() == 1 &&
           svc_->status()["status"].value("phase", "") == "RolledBack";
  }

  // The id of the running container of revision `n` ("" when none).
  [[nodiscard]] std::string container_of(int n) const {
    for (const auto& c : svc_->running()) {
      if (c["Config"]["Labels"].value("rewind.dev/revision", "") == std::to_string(n)) {
        return c.value("Id", "");
      }
    }
    return "";
  }
};

// The canary weights the upstream file held, sampled over time.
class WeightLog {
 public:
  explicit WeightLog(const CanaryTest& t, const std::function<int()>& read)
      : thread_([this, read](std::stop_token stop) {
          while (!stop.stop_requested()) {
            const int w = read();
            {
              std::lock_guard lock(mu_);
              if (samples_.empty() || samples_.back().second != w)
                samples_.emplace_back(Clock::now(), w);
            }
            std::this_thread::sleep_for(10ms);
          }
        }) {
    (void)t;
  }
  // The weight in force at `at`, or nullopt within `settle` of a change
  // (nginx may still be reloading).
  std::optional<int> at(Clock::time_point t, std::chrono::milliseconds settle) {
    std::lock_guard lock(mu_);
    std::optional<int> w;
    for (std::size_t i = 0; i < samples_.size(); ++i) {
      if (samples_[i].first > t) break;
      w = samples_[i].second;
      if (t - samples_[i].first < settle) w.reset();
    }
    return w;
  }
  // When each weight came and how many answers fell after it, for failures.
  std::string describe(const std::vector<Answer>& answers) {
    std::lock_guard lock(mu_);
    std::string out;
    for (std::size_t i = 0; i < samples_.size(); ++i) {
      const auto from = samples_[i].first;
      const auto to = i + 1 < samples_.size() ? samples_[i + 1].first : Clock::time_point::max();
      std::size_t n = 0;
      for (const auto& a : answers) n += a.at >= from && a.at < to ? 1U : 0U;
      out += std::to_string(samples_[i].second) + "@" +
             std::to_string(
                 std::chrono::duration_cast<std::chrono::milliseconds>(from.time_since_epoch())
                     .count() %
                 100000) +
             "ms:" + std::to_string(n) + " ";
    }
    return out;
  }
  std::vector<int> seen() {
    std::lock_guard lock(mu_);
    std::vector<int> out;
    for (const auto& [t, w] : samples_) out.push_back(w);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<Clock::time_point, int>> samples_;
  std::jthread thread_;
};

TEST_F(CanaryTest, AGoodVersionGoesTenThenFiftyThenAllOfTheTraffic) {
  const std::string steps = "[{setWeight: 10}, {pause: 5s}, {setWeight: 50}, {pause: 5s}]";
  ASSERT_NO_FATAL_FAILURE(start_at_v1(steps));

  client_ = std::make_unique<Client>(nginx_.port());
  WeightLog weights(*this, [this] { return canary_weight(); });
  write_canary("rewind-demo:v2", steps);
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2); }, 90s)) << svc_->describe();
  std::this_thread::sleep_for(500ms);
  const auto answers = client_->answers();
  client_.reset();

  // Share of v2 per weight in force, leaving out 300 ms after each change.
  std::map<int, std::pair<std::size_t, std::size_t>> by_weight;  // weight -> (v2, all)
  for (const auto& a : answers) {
    const auto w = weights.at(a.at, 300ms);
    if (!w || *w <= 0) continue;
    auto& [v2, all] = by_weight[*w];
    ++all;
    if (a.body == "v2") ++v2;
  }
  ASSERT_TRUE(by_weight.count(10) && by_weight.count(50))
      << "weights seen " << ::testing::PrintToString(weights.seen()) << "; " << answers.size()
      << " answers, the last " << (answers.empty() ? std::string("-") : answers.back().body) << "; "
      << weights.describe(answers);
  const double at10 =
      static_cast<double>(by_weight[10].first) / static_cast<double>(by_weight[10].second);
  const double at50 =
      static_cast<double>(by_weight[50].first) / static_cast<double>(by_weight[50].second);
  std::cout << "canary: v2 share " << at10 << " of " << by_weight[10].second << " requests at 10%, "
            << at50 << " of " << by_weight[50].second << " at 50%\n";
  EXPECT_GT(by_weight[10].second, 100U);
  EXPECT_GT(by_weight[50].second, 100U);
  EXPECT_NEAR(at10, 0.10, 0.05);
  EXPECT_NEAR(at50, 0.50, 0.08);
  EXPECT_EQ(failures(answers), 0U) << "of " << answers.size();
  EXPECT_EQ(answers.back().body, "v2");
  // Promoted: v2 alone, under the compose name, and the upstream names it stable.
  EXPECT_EQ(running_names(), std::vector<std::string>{svc_->container_name()});
  EXPECT_EQ(canary_weight(), -1) << upstream();
  EXPECT_NE(upstream().find("name=stable weight=100"), std::string::npos) << upstream();
  EXPECT_EQ(watcher_->stop(), 0);
}

TEST_F(CanaryTest, ThirtyPercentErrorsAbortTheCanaryAndNoRequestReachesItAfterwards) {
  const std::string steps = "[{setWeight: 20}, {analysis: {}}, {setWeight: 50}]";
  // v1 has no spec.analysis (the compose container is adopted as it is), so
  // no analysis step either: steps are not part of the revision.
  ASSERT_NO_FATAL_FAILURE(start_at_v1("[{setWeight: 20}, {setWeight: 50}]",
                                      "  config: {env: {DEMO_ERROR_RATE: \"0\"}}\n"));

  // v2 answers 30 % of GET / with a 500; the analysis GETs / on the canary
  // every 500 ms for up to 30 s and fails at the first 500.
  client_ = std::make_unique<Client>(nginx_.port());
  write_canary("rewind-demo:v2", steps,
               "  config: {env: {DEMO_ERROR_RATE: \"0.3\"}}\n"
               "  analysis:\n"
               "    interval: 500ms\n"
               "    window: 30s\n"
               "    metrics:\n"
               "      - name: root-status\n"
               "        http: {path: /, port: 8080, expectStatus: 200, timeout: 1s}\n"
               "        failIf: \"> 5\"\n");
  ASSERT_TRUE(eventually([&] { return client_->last() == "v2" || canary_weight() == 20; }, 60s))
      << svc_->describe();
  ASSERT_TRUE(eventually(
      [&] { return svc_->outcomes().size() == 2 && svc_->outcomes()[1] == "FailedAnalysis"; }, 60s))
      << svc_->describe();
  ASSERT_TRUE(eventually([&] { return rolled_back_to(1); }, 30s)) << svc_->describe();
  std::this_thread::sleep_for(500ms);
  const auto answers = client_->answers();
  client_.reset();

  const auto st = svc_->status()["status"];
  EXPECT_EQ(st.value("phase", ""), "RolledBack") << st.dump(2);
  const auto aborted = model::parse_timestamp(st["lastRollback"].value("startedAt", ""));
  const auto decided = model::parse_timestamp(svc_->history()["revisions"][1].value("endedAt", ""));
  ASSERT_TRUE(aborted && decided) << st.dump(2);
  // The canary's weight went to 0 (verified) before the incident was recorded.
  std::size_t to_v2 = 0;
  std::size_t after = 0;
  std::size_t v2_before_abort = 0;
  for (const auto& a : answers) {
    if (a.at > *aborted) {
      ++after;
      if (a.body == "v2") ++to_v2;
    } else if (a.at > *decided && a.body == "v2") {
      ++v2_before_abort;
    }
  }
  std::cout << "canary abort: " << to_v2 << " of " << after
            << " requests reached v2 after the abort; " << v2_before_abort
            << " between the decision and the abort ("
            << std::chrono::duration_cast<std::chrono::milliseconds>(*aborted - *decided).count()
            << " ms)\n";
  RecordProperty("requests_to_v2_after_abort", static_cast<int>(to_v2));
  EXPECT_GT(after, 100U);
  EXPECT_EQ(to_v2, 0U);
  EXPECT_EQ(failures(answers), 0U);
  EXPECT_EQ(running_names(), std::vector<std::string>{svc_->container_name()});
  EXPECT_EQ(watcher_->stop(), 0);
}

TEST_F(CanaryTest, ARestartDuringAPauseResumesThatPause) {
  const std::string steps = "[{setWeight: 10}, {pause: 15s}, {setWeight: 50}, {pause: 1s}]";
  ASSERT_NO_FATAL_FAILURE(start_at_v1(steps));

  client_ = std::make_unique<Client>(nginx_.port());
  WeightLog weights(*this, [this] { return canary_weight(); });
  write_canary("rewind-demo:v2", steps);
  ASSERT_TRUE(eventually([&] { return canary_weight() == 10; }, 60s)) << svc_->describe();
  ASSERT_TRUE(eventually(
      [&] {
        const auto s = svc_->status()["status"];
        return s.contains("progress") && s["progress"].value("stepIndex", -1) == 3;
      },
      10s))
      << svc_->status().dump(2);
  const auto before = svc_->status()["status"]["progress"];
  const std::string canary_id = container_of(2);
  ASSERT_FALSE(canary_id.empty());

  EXPECT_EQ(watcher_->stop(SIGTERM), 0);
  start_watcher();
  std::this_thread::sleep_for(3s);  // the new watcher has reconciled by now
  const auto during = svc_->status()["status"]["progress"];
  EXPECT_EQ(during.value("stepIndex", -1), 3) << during.dump();
  EXPECT_EQ(during.value("planHash", ""), before.value("planHash", ""));
  EXPECT_EQ(canary_weight(), 10);
  EXPECT_EQ(container_of(2), canary_id) << "the same canary container, not a new one";

  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2); }, 90s)) << svc_->describe();
  const auto seen = weights.seen();
  // -1 (bootstrap), 10, 50, then the promotion (-1 again): never back to 0.
  EXPECT_EQ(seen, (std::vector<int>{-1, 10, 50, -1})) << ::testing::PrintToString(seen);
  EXPECT_EQ(failures(client_->answers()), 0U);
  const std::string log2 = ComposeService::read_text(svc_->log("2"));
  EXPECT_EQ(log2.find("step 1/"), std::string::npos) << "the second watcher started no plan over";
  EXPECT_EQ(watcher_->stop(), 0);
}

// `rewind promote|abort|retry api -n it` as an operator runs it.
CommandResult person(const std::string& verb, const std::string& url,
                     const std::filesystem::path& token_file) {
  std::string cmd = shell_quote(std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind") + " " +
                    verb + " api -n it --server " + shell_quote(url);
  if (!token_file.empty()) cmd += " --token-file " + shell_quote(token_file.string());
  return run_command(cmd + " 2>&1");
}

TEST_F(CanaryTest, AnOperatorAbortsRetriesAndPromotesThroughTheWatchersApi) {
  const std::filesystem::path token = svc_->state().parent_path() / "api-token";
  write_text(token, "t0k3n-for-the-test\n");
  const std::string steps = "[{setWeight: 20}, {pause: {}}, {setWeight: 60}]";
  ASSERT_NO_FATAL_FAILURE(start_at_v1(steps, "", {"--token-file", token.string()}));
  ASSERT_TRUE(eventually([&] { return !api_url().empty(); }, 10s));
  const std::string url = api_url();

  client_ = std::make_unique<Client>(nginx_.port());
  write_canary("rewind-demo:v2", steps);
  const auto paused = [&] { return svc_->status()["status"].value("phase", "") == "Paused"; };
  ASSERT_TRUE(eventually([&] { return canary_weight() == 20 && paused(); }, 60s))
      << svc_->describe();

  // Without the token: refused, nothing changes.
  const CommandResult refused = person("abort", url, "");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("HTTP 401"), std::string::npos) << refused.output;
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(canary_weight(), 20);

  // abort: the canary loses its traffic, then stops; v1 alone serves.
  const CommandResult aborted = person("abort", url, token);
  ASSERT_EQ(aborted.exit_code, 0) << aborted.output;
  ASSERT_TRUE(eventually([&] { return rolled_back_to(1); }, 30s)) << svc_->describe();
  EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Healthy", "Aborted"}));
  const auto st = svc_->status()["status"];
  EXPECT_EQ(st.value("phase", ""), "RolledBack") << st.dump(2);
  const auto abort_at = model::parse_timestamp(st["lastRollback"].value("startedAt", ""));
  ASSERT_TRUE(abort_at) << st.dump(2);
  std::this_thread::sleep_for(300ms);
  std::size_t to_v2 = 0;
  for (const auto& a : client_->answers()) to_v2 += a.at > *abort_at && a.body == "v2" ? 1U : 0U;
  EXPECT_EQ(to_v2, 0U) << "requests that reached v2 after its weight went to 0";
  // Not tried again by itself.
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(running_names().size(), 1U);

  // retry: the same spec again, paused at 20 % again; promote: it goes on.
  const CommandResult retried = person("retry", url, token);
  ASSERT_EQ(retried.exit_code, 0) << retried.output;
  ASSERT_TRUE(eventually([&] { return canary_weight() == 20 && paused(); }, 60s))
      << svc_->describe();
  const CommandResult promoted = person("promote", url, token);
  ASSERT_EQ(promoted.exit_code, 0) << promoted.output;
  EXPECT_NE(promoted.output.find("accepted"), std::string::npos) << promoted.output;
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2); }, 60s)) << svc_->describe();
  EXPECT_EQ(client_->last(), "v2");
  EXPECT_EQ(failures(client_->answers()), 0U);
  // Nothing left to promote: said so.
  const CommandResult idle = person("promote", url, token);
  EXPECT_NE(idle.exit_code, 0);
  EXPECT_NE(idle.output.find("no plan is running"), std::string::npos) << idle.output;
  EXPECT_EQ(watcher_->stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
