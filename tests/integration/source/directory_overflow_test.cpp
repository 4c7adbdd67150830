// The kernel's inotify queue overflowing: the source lists everything again.

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>

#include "dir_fixture.hpp"

namespace rwd::source::testing {
namespace {

using OverflowTest = SourceFixture;

std::size_t max_queued_events() {
  std::ifstream in("/proc/sys/fs/inotify/max_queued_events");
  std::size_t n = 16384;
  in >> n;
  return n;
}

TEST_F(OverflowTest, AnOverflowedQueueIsRecoveredByAFullRescan) {
  // Hold the source's thread inside a store handler, so it cannot read
  // inotify while the test floods the queue.
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = false;
  bool release = false;
  store_.subscribe([&](const runtime::Event& e) {
    if (e.ref.key.name != "blocker") return;
    std::unique_lock lock(mu);
    blocked = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  write_file(root_ / "doomed.yaml", release_yaml("doomed", "d:1"));
  start();
  write_file(root_ / "blocker.yaml", release_yaml("blocker", "b:1"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 15s, [&] { return blocked; }));
  }

  // Two events per file (IN_CREATE, IN_CLOSE_WRITE): past the queue's limit.
  const std::size_t files = max_queued_events() / 2 + 500;
  fs::create_directories(root_ / "junk");
  for (std::size_t i = 0; i < files; ++i) {
    const std::string p = (root_ / ("junk-" + std::to_string(i) + ".txt")).string();
    const int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  // Changes whose events the kernel dropped.
  write_file(root_ / "api.yaml", release_yaml("api", "api:2"));
  write_file(root_ / "late.yaml", release_yaml("late", "l:1"));
  fs::remove(root_ / "doomed.yaml");
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  EXPECT_TRUE(eventually([&] { return source_->stats().overflows >= 1; }));
  EXPECT_TRUE(becomes("late", "l:1"));
  EXPECT_TRUE(becomes("api", "api:2"));
  EXPECT_TRUE(becomes("doomed", "<none>"));
  EXPECT_GE(source_->stats().full_scans, 2U);
  // And it still watches, including the directory created during the flood.
  write_file(root_ / "junk" / "after.yaml", release_yaml("after", "a:1"));
  EXPECT_TRUE(becomes("after", "a:1"));
}

TEST_F(OverflowTest, ARequestedRescanListsEverythingAgain) {
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  start();
  const auto version = store_.version();
  source_->request_rescan();
  EXPECT_TRUE(eventually([&] { return source_->stats().full_scans == 2; }));
  EXPECT_EQ(store_.version(), version);  // nothing changed, nothing emitted
  EXPECT_EQ(image("api"), "api:1");
}

}  // namespace
}  // namespace rwd::source::testing
