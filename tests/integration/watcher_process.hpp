#pragma once
// The real `rewind watch` binary as a child process, and polling with a
// deadline, for the end-to-end tests (watch/, crash/, drift/).
//
//   Watcher w(root / "releases", root / "state", root / "watch.log",
//             {.env = {{"REWIND_TEST_KILL_AT", "before-plan"}}});
//   ASSERT_TRUE(eventually([&] { return stable(); }));
//   const auto died = w.wait_exit(30s);   // raw wait status, nullopt: still running
//   EXPECT_EQ(w.stop(), 0);               // SIGTERM, wait: exit code or 128+signal

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;  // NOLINT: POSIX

namespace rwd::itest {

// Polls `pred` until it holds or `limit` passes (integration tests wait on
// real processes; the assertion is the predicate, not the time).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(60),
                std::chrono::milliseconds step = std::chrono::milliseconds(100)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(step);
  }
  return pred();
}

struct WatcherOptions {
  std::vector<std::pair<std::string, std::string>> env;  // set in the watcher's environment
  std::string resync = "2s";
  // Docker labels are read only from this compose project's containers; by
  // default not at all, so that tests running at the same time on one
  // Engine never pick up each other's labelled containers.
  std::string label_project{};
  std::vector<std::string> args{};  // more arguments of `rewind watch`
};

class Watcher {
 public:
  Watcher(const std::filesystem::path& dir, const std::filesystem::path& state,
          const std::filesystem::path& log, WatcherOptions options = {}) {
    const std::string bin = std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind";
    std::vector<std::string> args{bin,        "watch",       "--state-dir", state.string(),
                                  "--listen", "127.0.0.1:0", "--resync",    options.resync};
    if (!dir.empty()) args.insert(args.end(), {"--dir", dir.string()});  // empty: labels only
    if (options.label_project.empty()) {
      args.emplace_back("--no-docker-labels");
    } else {
      args.insert(args.end(), {"--label-project", options.label_project});
    }
    args.insert(args.end(), options.args.begin(), options.args.end());
    std::vector<std::string> env = environment(options.env);
    // Everything the child needs is built before fork(): it only execs.
    std::vector<char*> argv = pointers(args);
    std::vector<char*> envp = pointers(env);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execve(bin.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    if (fd >= 0) ::close(fd);
  }
  ~Watcher() { stop(); }
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Sends `signo` and waits; returns the exit code, or 128 + the signal that
  // ended it (-1 when it had ended already and was reaped).
  int stop(int signo = SIGTERM) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signo);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // Waits up to `limit` for the process to end on its own; its raw wait
  // status (WIFSIGNALED, WTERMSIG, ...), or nullopt while it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds limit) {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    const bool ended = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, limit,
                                  std::chrono::milliseconds(20));
    if (!ended) return std::nullopt;
    pid_ = -1;
    return status;
  }

  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  static std::vector<std::string> environment(
      const std::vector<std::pair<std::string, std::string>>& set) {
    std::vector<std::string> out;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      const std::string key = entry.substr(0, entry.find('='));
      bool replaced = false;
      for (const auto& [k, v] : set) replaced = replaced || k == key;
      if (!replaced) out.push_back(entry);
    }
    for (const auto& [k, v] : set) out.push_back(k + "=" + v);
    return out;
  }
  static std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
  }

  pid_t pid_ = -1;
};

}  // namespace rwd::itest
