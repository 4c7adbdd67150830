#include "rewind/runtime/signals.hpp"

#include <atomic>
#include <future>

#include <gtest/gtest.h>

namespace rwd::runtime {
namespace {

using namespace std::chrono_literals;

TEST(SignalWatcher, SigtermToThisProcessReachesTheCallback) {
  std::promise<int> got;
  auto watcher = SignalWatcher::install([&](int signo) { got.set_value(signo); });
  ASSERT_TRUE(watcher.ok()) << watcher.error().message;
  ASSERT_EQ(::raise(SIGTERM), 0);  // with the handler installed the process lives on
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get(), SIGTERM);
  EXPECT_EQ((*watcher)->received(), 1U);
}

TEST(SignalWatcher, SigintAndRepeatedSignalsAreEachDelivered) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> seen;
  auto watcher = SignalWatcher::install([&](int signo) {
    std::lock_guard lock(mu);
    seen.push_back(signo);
    cv.notify_all();
  });
  ASSERT_TRUE(watcher.ok());
  ASSERT_EQ(::raise(SIGINT), 0);
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return seen.size() == 1; }));
  }
  ASSERT_EQ(::raise(SIGTERM), 0);
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return seen.size() == 2; }));
  EXPECT_EQ(seen, (std::vector<int>{SIGINT, SIGTERM}));
}

TEST(SignalWatcher, OnlyOneAtATimeAndThePreviousDispositionComesBack) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction saved {};
  ASSERT_EQ(::sigaction(SIGTERM, &ignore, &saved), 0);
  {
    auto first = SignalWatcher::install([](int) {});
    ASSERT_TRUE(first.ok());
    auto second = SignalWatcher::install([](int) {});
    EXPECT_FALSE(second.ok());
    struct sigaction now {};
    ::sigaction(SIGTERM, nullptr, &now);
    EXPECT_NE(now.sa_handler, SIG_IGN);
  }
  struct sigaction after {};
  ::sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, SIG_IGN);
  {
    auto again = SignalWatcher::install([](int) {});
    EXPECT_TRUE(again.ok());  // the slot is free again
  }
  ::sigaction(SIGTERM, &saved, nullptr);
}

}  // namespace
}  // namespace rwd::runtime
