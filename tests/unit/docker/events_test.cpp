// EventWatcher against scripted streams: splitting, resync, backoff, stop.

#include "rewind/docker/events.hpp"

#include <gtest/gtest.h>

#include "rewind/http/url.hpp"

#include "fake_http.hpp"
#include "fixtures.hpp"

namespace rwd::docker {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttp;
using testing::stream_failing;
using testing::stream_of;
using testing::stream_status;

// A sleeper that records and never sleeps; stops the run after `limit` sleeps.
struct FakeSleeper {
  std::vector<std::chrono::milliseconds> waits;
  std::stop_source* stop = nullptr;
  std::size_t limit = 100;
  Sleeper get() {
    return [this](std::chrono::milliseconds d, std::stop_token) {
      waits.push_back(d);
      if (waits.size() >= limit && stop != nullptr) stop->request_stop();
      return waits.size() < limit;
    };
  }
};

struct Run {
  std::vector<Event> events;
  std::vector<std::string> log;  // "resync" and "event:<action>" in order
  std::vector<model::Error> errors;
  model::Status status;
};

Run run_watcher(std::unique_ptr<FakeHttp> fake, FakeSleeper& sleeper, std::stop_source& stop,
                EventWatchOptions options = {}) {
  EventWatcher watcher(std::move(fake), ApiVersion{1, 41}, options, sleeper.get());
  Run run;
  run.status = watcher.run(
      [&run](const Event& e) {
        run.events.push_back(e);
        run.log.push_back("event:" + e.action);
      },
      [&run] { run.log.emplace_back("resync"); }, stop.get_token(),
      [&run](const model::Error& e) { run.errors.push_back(e); });
  return run;
}

TEST(LineSplitter, JoinsPiecesAndSplitsLines) {
  LineSplitter s(100);
  std::vector<std::string> lines;
  const auto collect = [&lines](std::string_view l) { lines.emplace_back(l); };
  EXPECT_TRUE(s.feed("{\"a\":", collect));
  EXPECT_TRUE(lines.empty());
  EXPECT_TRUE(s.feed("1}\n{\"b\":2}\r\n\n{\"c\"", collect));
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_TRUE(s.feed(":3}\n", collect));
  EXPECT_EQ(lines.back(), "{\"c\":3}");
}

TEST(LineSplitter, RefusesOverlongLines) {
  LineSplitter s(8);
  const auto ignore = [](std::string_view) {};
  EXPECT_TRUE(s.feed("12345678\n", ignore));
  EXPECT_TRUE(s.feed("1234", ignore));
  EXPECT_FALSE(s.feed("56789", ignore));
}

TEST(EventWatcher, TargetFiltersContainerEvents) {
  EventWatcher w(std::make_unique<FakeHttp>(), ApiVersion{1, 41});
  const auto t = w.target();
  ASSERT_EQ(t.rfind("/v1.41/events?filters=", 0), 0U) << t;
  std::string decoded;
  ASSERT_TRUE(http::percent_decode(t.substr(t.find('=') + 1), decoded));
  EXPECT_EQ(decoded, R"({"type":["container"]})");
}

TEST(EventWatcher, DeliversEventsSplitAcrossPiecesAfterAResync) {
  auto fake = std::make_unique<FakeHttp>();
  const std::string start = fixtures::kEventStart;
  const std::string die = fixtures::kEventDie;
  fake->streams.push_back(stream_of({start.substr(0, 40), start.substr(40) + "\n" + die + "\n"}));
  std::stop_source stop;
  FakeSleeper sleeper;
  sleeper.stop = &stop;
  sleeper.limit = 1;
  auto run = run_watcher(std::move(fake), sleeper, stop);
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.log, (std::vector<std::string>{"resync", "event:start", "event:die"}));
  EXPECT_EQ(run.events[0].attributes.at("name"), "shop-api-1");
}

TEST(EventWatcher, ReconnectsWithBackoffAndResyncsEachTime) {
  auto fake = std::make_unique<FakeHttp>();
  const std::string start = std::string(fixtures::kEventStart) + "\n";
  fake->streams.push_back(stream_failing(model::Error::transient("refused")));
  fake->streams.push_back(stream_failing(model::Error::transient("refused")));
  fake->streams.push_back(stream_of({start}, model::Error::transient("reset by peer")));
  fake->streams.push_back(stream_failing(model::Error::transient("refused")));
  fake->streams.push_back(stream_of({start}));
  std::stop_source stop;
  FakeSleeper sleeper;
  sleeper.stop = &stop;
  sleeper.limit = 5;
  EventWatchOptions options;
  options.initial_backoff = 100ms;
  options.max_backoff = 300ms;
  auto run = run_watcher(std::move(fake), sleeper, stop, options);
  ASSERT_TRUE(run.status.ok());
  // Doubling while down, capped; back to the start once a stream was up.
  EXPECT_EQ(sleeper.waits,
            (std::vector<std::chrono::milliseconds>{100ms, 200ms, 100ms, 200ms, 100ms}));
  EXPECT_EQ(run.log, (std::vector<std::string>{"resync", "event:start", "resync", "event:start"}));
  EXPECT_EQ(run.errors.size(), 5U);  // 3 refused, 1 reset, 1 end of stream
}

TEST(EventWatcher, BackoffIsCapped) {
  auto fake = std::make_unique<FakeHttp>();
  for (int i = 0; i < 6; ++i) fake->streams.push_back(stream_failing(model::Error::transient("x")));
  std::stop_source stop;
  FakeSleeper sleeper;
  sleeper.stop = &stop;
  sleeper.limit = 6;
  EventWatchOptions options;
  options.initial_backoff = 100ms;
  options.max_backoff = 300ms;
  auto run = run_watcher(std::move(fake), sleeper, stop, options);
  EXPECT_EQ(sleeper.waits,
            (std::vector<std::chrono::milliseconds>{100ms, 200ms, 300ms, 300ms, 300ms, 300ms}));
}

TEST(EventWatcher, BadLinesAreReportedAndSkipped) {
  auto fake = std::make_unique<FakeHttp>();
  fake->streams.push_back(stream_of({"not json\n" + std::string(fixtures::kEventDie) + "\n"}));
  std::stop_source stop;
  FakeSleeper sleeper;
  sleeper.stop = &stop;
  sleeper.limit = 1;
  auto run = run_watcher(std::move(fake), sleeper, stop);
  ASSERT_EQ(run.events.size(), 1U);
  EXPECT_EQ(run.events[0].action, "die");
  EXPECT_GE(run.errors.size(), 1U);
}

TEST(EventWatcher, OverlongLineReconnects) {
  auto fake = std::make_unique<FakeHttp>();
  fake->streams.push_back(stream_of({std::string(64, 'x')}));
  fake->streams.push_back(stream_of({std::string(fixtures::kEventDie) + "\n"}));
  std::stop_source stop;
  FakeSleeper sleeper;
  sleeper.stop = &stop;
  sleeper.limit = 2;
  EventWatchOptions options;
  options.max_line_bytes = 32;
  auto run = run_watcher(std::move(fake), sleeper, stop, options);
  ASSERT_FALSE(run.errors.empty());
  EXPECT_NE(run.errors.front().message.find("longer than 32 bytes"), std::string::npos);
  // The die line itself is longer than 32 bytes too: only resyncs, no events.
  EXPECT_EQ(run.log, (std::vector<std::string>{"resync", "resync"}));
}

TEST(EventWatcher, ClientErrorFromTheEngineIsTerminal) {
  auto fake = std::make_unique<FakeHttp>();
  fake->streams.push_back(stream_status(400, R"({"message":"invalid filter 'typ'"})"));
  std::stop_source stop;
  FakeSleeper sleeper;
  auto run = run_watcher(std::move(fake), sleeper, stop);
  ASSERT_FALSE(run.status.ok());
  EXPECT_EQ(run.status.error().kind, model::ErrorKind::kTerminal);
  EXPECT_NE(run.status.error().message.find("invalid filter"), std::string::npos);
  EXPECT_TRUE(sleeper.waits.empty());
}

TEST(EventWatcher, ServerErrorIsRetried) {
  auto fake = std::make_unique<FakeHttp>();
  fake->streams.push_back(stream_status(500, R"({"message":"busy"})"));
  std::stop_source stop;
  FakeSleeper sleeper;
  sleeper.stop = &stop;
  sleeper.limit = 1;
  auto run = run_watcher(std::move(fake), sleeper, stop);
  EXPECT_TRUE(run.status.ok());
  EXPECT_EQ(sleeper.waits.size(), 1U);
}

TEST(EventWatcher, StopBeforeRunReturnsAtOnce) {
  auto fake = std::make_unique<FakeHttp>();
  FakeHttp* raw = fake.get();
  std::stop_source stop;
  stop.request_stop();
  FakeSleeper sleeper;
  auto run = run_watcher(std::move(fake), sleeper, stop);
  EXPECT_TRUE(run.status.ok());
  EXPECT_TRUE(run.log.empty());
  EXPECT_TRUE(sleeper.waits.empty());
  (void)raw;
}

TEST(RealSleeper, ReturnsFalseWhenStopped) {
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(real_sleeper()(std::chrono::hours(1), stop.get_token()));
  EXPECT_TRUE(real_sleeper()(std::chrono::milliseconds(0), std::stop_token()));
}

}  // namespace
}  // namespace rwd::docker
