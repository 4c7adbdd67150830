#include "rewind/docker/health.hpp"

#include <gtest/gtest.h>

#include "fake_http.hpp"
#include "fixtures.hpp"

namespace rwd::docker {
namespace {

using testing::FakeHttp;
using testing::reply;

std::string inspect_with(const std::string& state) {
  return R"({"Id":"abc","Name":"/x","State":)" + state + R"(,"Config":{"Image":"a:1"}})";
}

TEST(HealthOutcome, FromInspect) {
  ContainerInspect c;
  EXPECT_EQ(health_outcome(c), HealthOutcome::kNotRunning);
  c.running = true;
  EXPECT_EQ(health_outcome(c), HealthOutcome::kNoHealthcheck);
  c.health = "starting";
  EXPECT_EQ(health_outcome(c), std::nullopt);
  c.health = "healthy";
  EXPECT_EQ(health_outcome(c), HealthOutcome::kHealthy);
  c.health = "unhealthy";
  EXPECT_EQ(health_outcome(c), HealthOutcome::kUnhealthy);
  EXPECT_STREQ(to_string(HealthOutcome::kTimedOut), "timed out");
}

TEST(WaitForHealth, PollsUntilHealthyAtTheCallersInterval) {
  int polls = 0;
  auto fake = std::make_unique<FakeHttp>([&polls](const http::ClientRequest& r) {
    if (r.target == "/version") return reply(200, fixtures::kVersion);
    ++polls;
    const char* status = polls < 3 ? "starting" : "healthy";
    return reply(200, inspect_with(R"({"Running":true,"Health":{"Status":")" + std::string(status) +
                                   R"("}})"));
  });
  auto client = Client::connect(std::move(fake));
  ASSERT_TRUE(client.ok());
  std::vector<std::chrono::milliseconds> waits;
  const Sleeper sleep = [&waits](std::chrono::milliseconds d, std::stop_token) {
    waits.push_back(d);
    return true;
  };
  auto outcome = wait_for_health(**client, "abc", std::chrono::milliseconds(250), 10, sleep);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, HealthOutcome::kHealthy);
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>(2, std::chrono::milliseconds(250))));
}

TEST(WaitForHealth, TimesOutAfterMaxPollsAndReportsErrors) {
  auto fake = std::make_unique<FakeHttp>([](const http::ClientRequest& r) {
    if (r.target == "/version") return reply(200, fixtures::kVersion);
    if (r.target.find("gone") != std::string::npos) {
      return reply(404, R"({"message":"No such container"})");
    }
    return reply(200, inspect_with(R"({"Running":true,"Health":{"Status":"starting"}})"));
  });
  auto client = Client::connect(std::move(fake));
  ASSERT_TRUE(client.ok());
  const Sleeper sleep = [](std::chrono::milliseconds, std::stop_token) { return true; };
  EXPECT_EQ(*wait_for_health(**client, "abc", std::chrono::milliseconds(1), 4, sleep),
            HealthOutcome::kTimedOut);
  auto gone = wait_for_health(**client, "gone", std::chrono::milliseconds(1), 4, sleep);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().not_found());
  const Sleeper stopped = [](std::chrono::milliseconds, std::stop_token) { return false; };
  EXPECT_EQ(*wait_for_health(**client, "abc", std::chrono::milliseconds(1), 4, stopped),
            HealthOutcome::kStopped);
}

}  // namespace
}  // namespace rwd::docker
