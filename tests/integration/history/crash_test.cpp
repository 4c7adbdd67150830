// kill -9 of a writer at every stage of a save leaves the old or the new
// history under the file's name, never a torn one; the temporary file a
// killed writer leaves is ignored by readers and removed by the next open().
//
// The writer is a child process saving two histories in turn, a small one
// and a 500 KB one. The parent watches the directory with inotify and kills the
// child right after the n-th event of one kind: the temporary file created
// (mid-write), closed (written and fsynced, not yet renamed) or moved into
// place (renamed, directory not yet fsynced). No sleeps: the kill follows
// the writer's own progress.

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/history/file_store.hpp"

namespace rwd::history {
namespace {

namespace fs = std::filesystem;

model::History history_of(std::int64_t revisions, std::size_t reason_bytes) {
  model::History h;
  for (std::int64_t n = 1; n <= revisions; ++n) {
    model::RevisionRecord rec;
    rec.number = model::RevisionNumber{n};
    rec.hash = model::RevisionHash{"h" + std::to_string(n)};
    rec.spec.target.docker = model::DockerTarget{"shop", "api"};
    rec.spec.image = model::ImageRef{"rewind-demo:v" + std::to_string(n)};
    rec.revision.image = rec.spec.image;
    rec.outcome_reason = std::string(reason_bytes, static_cast<char>('a' + n % 26));
    h.revisions.push_back(rec);
  }
  return h;
}

std::size_t temp_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) ++n;
  }
  return n;
}

class Inotify {
 public:
  explicit Inotify(const fs::path& dir) : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    ::inotify_add_watch(fd_, dir.c_str(), IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO);
  }
  ~Inotify() { ::close(fd_); }
  Inotify(const Inotify&) = delete;
  Inotify& operator=(const Inotify&) = delete;

  // Waits (at most 20 s) for the n-th event matching mask; false on timeout.
  bool wait_for(std::uint32_t mask, int n) {
    int seen = 0;
    while (seen < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20'000) <= 0) return false;
      alignas(inotify_event) std::array<char, 8192> buf{};
      const ssize_t len = ::read(fd_, buf.data(), buf.size());
      for (ssize_t off = 0; off < len;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + off);  // NOLINT
        if ((ev->mask & mask) != 0) ++seen;
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    }
    return true;
  }
  void drain() {
    std::array<char, 8192> buf{};
    while (::read(fd_, buf.data(), buf.size()) > 0) {
    }
  }

 private:
  int fd_;
};

TEST(CrashTest, KillNineAtAnyStageLeavesOldOrNew) {
  std::random_device rd;
  const fs::path state = fs::temp_directory_path() / ("rewind-hd-crash-" + std::to_string(rd()));
  FileStoreOptions options;
  options.state_dir = state;
  const model::ObjectKey key{"shop", "api"};
  const model::History small = history_of(2, 10);
  const model::History big = history_of(25, 20'000);
  {
    auto store = FileHistoryStore::open(options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE((*store)->save(key, small).ok());
  }
  const fs::path dir = state / "history" / "shop";
  Inotify watch(dir);

  struct Stage {
    std::uint32_t mask;
    const char* name;
  };
  const std::array<Stage, 3> stages{{{IN_CREATE, "temp file created"},
                                     {IN_CLOSE_WRITE, "temp file written and closed"},
                                     {IN_MOVED_TO, "renamed into place"}}};
  std::size_t leftovers = 0;
  int saw_small = 0;
  int saw_big = 0;
  for (int round = 0; round < 12; ++round) {
    const Stage& stage = stages[static_cast<std::size_t>(round) % stages.size()];
    const int nth = 1 + round / 3;  // the 1st..4th save: big and small alike
    watch.drain();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = FileHistoryStore::open(options);
      if (!store.ok()) ::_exit(2);
      for (;;) {
        if (!(*store)->save(key, big).ok()) ::_exit(3);
        if (!(*store)->save(key, small).ok()) ::_exit(3);
      }
    }
    const bool seen = watch.wait_for(stage.mask, nth);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(seen) << "round " << round << ": no " << stage.name << " event within 20 s";
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped on its own: " << status;

    const std::size_t temps = temp_files(dir);
    leftovers += temps;
    auto store = FileHistoryStore::open(options);  // cleans what the killed writer left
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->stale_temp_files_removed(), temps);
    EXPECT_EQ(temp_files(dir), 0U);
    auto loaded = (*store)->load(key);
    ASSERT_TRUE(loaded.ok()) << "round " << round << " (" << stage.name << " #" << nth
                             << "): " << loaded.error().message;
    if (*loaded == small) {
      ++saw_small;
    } else if (*loaded == big) {
      ++saw_big;
    } else {
      ADD_FAILURE() << "round " << round << ": neither the old nor the new history";
    }
  }
  // Kills mid-write leave temporary files; both versions were seen.
  EXPECT_GT(leftovers, 0U);
  EXPECT_GT(saw_small, 0);
  EXPECT_GT(saw_big, 0);
  ::testing::Test::RecordProperty("leftover_temp_files", static_cast<int>(leftovers));
  std::error_code ec;
  fs::remove_all(state, ec);
}

}  // namespace
}  // namespace rwd::history
