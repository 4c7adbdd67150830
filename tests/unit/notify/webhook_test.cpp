// WebhookNotifier with an in-memory sender and sleeper: retries, backoff,
// giving up, overflow and shutdown, without network or sleeping.

#include "rewind/notify/webhook.hpp"

#include <future>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::notify {
namespace {

using std::chrono::milliseconds;

struct Post {
  std::string url;
  std::string body;
  milliseconds timeout;
};

// Answers from a script (HTTP status or error), then 200.
class ScriptedSender final : public WebhookSender {
 public:
  std::vector<model::Result<int>> script;
  std::vector<Post> posts;
  // Blocks every post until released (for queue tests).
  std::shared_future<void> gate;

  model::Result<int> post(const std::string& url, const std::string& body,
                          milliseconds timeout) override {
    if (gate.valid()) gate.wait();
    std::lock_guard lock(mu);
    posts.push_back({url, body, timeout});
    if (next < script.size()) return script[next++];
    return 200;
  }
  std::mutex mu;
  std::size_t next = 0;
};

// Lets a test keep the sender (and what it recorded) after the notifier is gone.
class SenderRef final : public WebhookSender {
 public:
  explicit SenderRef(ScriptedSender& s) : s_(s) {}
  model::Result<int> post(const std::string& url, const std::string& body,
                          milliseconds timeout) override {
    return s_.post(url, body, timeout);
  }

 private:
  ScriptedSender& s_;
};

class RecordingSleeper final : public Sleeper {
 public:
  std::vector<milliseconds> waits;
  bool interrupted = false;  // pretend shutdown interrupted every wait
  bool sleep_for(milliseconds d, std::stop_token) override {
    waits.push_back(d);
    return !interrupted;
  }
};

WebhookOptions options() {
  WebhookOptions o;
  o.max_attempts = 5;
  o.initial_backoff = milliseconds(1000);
  o.max_backoff = milliseconds(30000);
  o.attempt_timeout = milliseconds(2000);
  return o;
}

Delivery delivery() {
  return {"https://user:pw@hooks.example/services/T/B/SECRET?token=abc", "{}", kRolledBack,
          "default/web"};
}

TEST(BackoffTest, DoublesFromInitialUpToMax) {
  const auto o = options();
  EXPECT_EQ(backoff_delay(1, o), milliseconds(1000));
  EXPECT_EQ(backoff_delay(2, o), milliseconds(2000));
  EXPECT_EQ(backoff_delay(3, o), milliseconds(4000));
  EXPECT_EQ(backoff_delay(5, o), milliseconds(16000));
  EXPECT_EQ(backoff_delay(6, o), milliseconds(30000));
  EXPECT_EQ(backoff_delay(60, o), milliseconds(30000));
}

TEST(DeliverTest, RetriesFailuresWithBackoffUntilDelivered) {
  ScriptedSender sender;
  sender.script = {500,
                   model::Error::transient("POST /services/*** on https://hooks.example:443: "
                                           "timed out"),
                   503};
  RecordingSleeper sleeper;
  const auto outcome = deliver(delivery(), sender, sleeper, options(), {});
  EXPECT_EQ(outcome, DeliveryOutcome::kDelivered);
  EXPECT_EQ(sender.posts.size(), 4U);
  EXPECT_EQ(sleeper.waits, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000),
                                                      milliseconds(4000)}));
  EXPECT_EQ(sender.posts[0].timeout, milliseconds(2000));
}

TEST(DeliverTest, GivesUpAfterMaxAttempts) {
  ScriptedSender sender;
  sender.script = {500, 500, 500, 500, 500, 500};
  RecordingSleeper sleeper;
  EXPECT_EQ(deliver(delivery(), sender, sleeper, options(), {}), DeliveryOutcome::kGaveUp);
  EXPECT_EQ(sender.posts.size(), 5U);
  EXPECT_EQ(sleeper.waits.size(), 4U);
}

TEST(DeliverTest, AClientErrorIsNotRetriedButTooManyRequestsIs) {
  ScriptedSender sender;
  sender.script = {404};
  RecordingSleeper sleeper;
  EXPECT_EQ(deliver(delivery(), sender, sleeper, options(), {}), DeliveryOutcome::kGaveUp);
  EXPECT_EQ(sender.posts.size(), 1U);

  ScriptedSender limited;
  limited.script = {429};
  EXPECT_EQ(deliver(delivery(), limited, sleeper, options(), {}), DeliveryOutcome::kDelivered);
  EXPECT_EQ(limited.posts.size(), 2U);
}

TEST(DeliverTest, AnInterruptedWaitStops) {
  ScriptedSender sender;
  sender.script = {500};
  RecordingSleeper sleeper;
  sleeper.interrupted = true;
  EXPECT_EQ(deliver(delivery(), sender, sleeper, options(), {}), DeliveryOutcome::kStopped);
  EXPECT_EQ(sender.posts.size(), 1U);
}

TEST(DeliveryQueueTest, DropsTheOldestWhenFull) {
  DeliveryQueue q(2);
  EXPECT_FALSE(q.push({"u", "1", "a", "r"}));
  EXPECT_FALSE(q.push({"u", "2", "a", "r"}));
  auto dropped = q.push({"u", "3", "a", "r"});
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->body, "1");
  EXPECT_EQ(q.size(), 2U);
  EXPECT_EQ(q.pop()->body, "2");
  EXPECT_EQ(q.pop()->body, "3");
  EXPECT_FALSE(q.pop());
}

TEST(OptionsTest, InvalidOptionsAreNamed) {
  auto o = options();
  o.max_attempts = 0;
  EXPECT_THAT(validate(o).error().message, ::testing::HasSubstr("max attempts 0"));
  o = options();
  o.max_backoff = milliseconds(10);
  EXPECT_THAT(validate(o).error().message, ::testing::HasSubstr("max backoff 10ms is below"));
  EXPECT_TRUE(validate(options()).ok());
}

model::NotifySpec webhook(std::string url) {
  model::NotifySpec s;
  s.webhook = model::WebhookSpec{std::move(url)};
  return s;
}

Event event(std::string message) {
  Event e;
  e.type = kPromoted;
  e.release = {"default", "web"};
  e.message = std::move(message);
  return e;
}

TEST(WebhookNotifierTest, PostsOnceForEachWebhookTarget) {
  ScriptedSender sender;
  auto* s = &sender;
  {
    WebhookNotifier n(options(), std::make_unique<SenderRef>(sender),
                      std::make_unique<RecordingSleeper>());
    n.notify(event("one"),
             {webhook("http://a.example/x"), model::NotifySpec{}, webhook("http://b.example/y")});
    n.shutdown();  // drains
    EXPECT_EQ(n.stats().delivered, 2U);
  }
  ASSERT_EQ(s->posts.size(), 2U);
  EXPECT_EQ(s->posts[0].url, "http://a.example/x");
  EXPECT_EQ(s->posts[1].url, "http://b.example/y");
  EXPECT_THAT(s->posts[0].body, ::testing::HasSubstr("\"message\":\"one\""));
}

TEST(WebhookNotifierTest, AFullQueueDropsTheOldestAndNotifyNeverWaits) {
  std::promise<void> release;
  ScriptedSender sender;
  sender.gate = release.get_future().share();
  auto* s = &sender;
  auto o = options();
  o.queue_capacity = 2;
  WebhookNotifier n(o, std::make_unique<SenderRef>(sender), std::make_unique<RecordingSleeper>());
  // The first is taken by the thread (blocked in post) or still queued; then
  // the queue holds at most 2, so of 5 events at least 2 are dropped.
  for (int i = 1; i <= 5; ++i) n.notify(event("e" + std::to_string(i)), {webhook("http://h/x")});
  EXPECT_GE(n.stats().dropped, 2U);
  release.set_value();
  n.shutdown();
  const auto stats = n.stats();
  EXPECT_EQ(stats.delivered + stats.dropped, 5U);
  // The newest always survives.
  ASSERT_FALSE(s->posts.empty());
  EXPECT_THAT(s->posts.back().body, ::testing::HasSubstr("\"message\":\"e5\""));
}

TEST(WebhookNotifierTest, EventsAfterShutdownAreDropped) {
  WebhookNotifier n(options(), std::make_unique<ScriptedSender>(),
                    std::make_unique<RecordingSleeper>());
  n.shutdown();
  n.notify(event("late"), {webhook("http://h/x")});
  EXPECT_EQ(n.stats().dropped, 1U);
  EXPECT_EQ(n.pending(), 0U);
}

}  // namespace
}  // namespace rwd::notify
