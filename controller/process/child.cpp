// rwd::process::run: posix_spawn, pipes for the output, a pidfd to learn
// when the child ends, and SIGKILL to its process group at the end.

#include "rewind/process/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace rwd::process {
namespace {

using Clock = std::chrono::steady_clock;

// The parent's environment with `extra` set over it, as "K=V" strings.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {  // NOLINT
    const std::string entry(*e);
    if (!extra.contains(entry.substr(0, entry.find('=')))) out.push_back(entry);
  }
  for (const auto& [key, value] : extra) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool open() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

bool open_pipe(Fd& read_end, Fd& write_end) {
  std::array<int, 2> fds{-1, -1};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

// One stream's bytes, the head or the tail of it within the cap.
class Capture {
 public:
  Capture(std::size_t cap, Keep keep) : cap_(cap), keep_(keep) {}

  void add(std::string_view data) {
    seen_ += data.size();
    if (keep_ == Keep::kHead) {
      const std::size_t room = text_.size() < cap_ ? cap_ - text_.size() : 0;
      text_.append(data.substr(0, room));
      return;
    }
    text_.append(data);
    if (text_.size() > 2 * cap_ + 4096) text_.erase(0, text_.size() - cap_);
  }

  // The kept bytes; `truncated` tells whether any were dropped.
  std::string take(bool& truncated) {
    if (text_.size() > cap_) text_.erase(0, text_.size() - cap_);
    truncated = seen_ > cap_;
    return std::move(text_);
  }

 private:
  std::size_t cap_;
  Keep keep_;
  std::string text_;
  std::size_t seen_ = 0;
};

enum class Read { kData, kEnd, kLater };

Read read_some(int fd, Capture& sink) {
  std::array<char, 16384> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n > 0) {
    sink.add(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    return Read::kData;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return Read::kLater;
  return Read::kEnd;
}

// What is left in a pipe once the process group is gone. Bounded: something
// that left the group may still be writing.
void drain(Fd& fd, Capture& sink) {
  if (!fd.open()) return;
  ::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
  for (int i = 0; i < 256 && read_some(fd.get(), sink) == Read::kData; ++i) {
  }
  fd.reset();
}

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

// True once the child has ended; it is not reaped, so its pid (and process
// group id) cannot be reused before the group is killed.
bool has_ended(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// stdin from /dev/null, stdout and stderr into the pipes, its own process
// group, an empty signal mask and default dispositions (signals the parent
// ignores would otherwise stay ignored across exec).
int spawn(const Request& request, int out, int err, pid_t& pid) {
  std::vector<std::string> args = request.argv;
  std::vector<std::string> env = child_environment(request.env);
  auto argv = pointers(args);
  auto envp = pointers(env);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO);
  if (!request.cwd.empty()) ::posix_spawn_file_actions_addchdir_np(&actions, request.cwd.c_str());
  sigset_t defaults;
  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2}) {
    ::sigaddset(&defaults, sig);
  }
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setsigmask(&attr, &empty);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr,
                             static_cast<short>(POSIX_SPAWN_SETPGROUP |  // NOLINT
                                                POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  return rc;
}

// Reads the pipes until the child ends or the deadline passes; true on timeout.
bool pump(pid_t pid, Clock::time_point deadline, Fd& out, Fd& err, Capture& out_sink,
          Capture& err_sink) {
  const Fd pidfd(pidfd_open(pid));
  while (!has_ended(pid)) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return !has_ended(pid);
    std::array<pollfd, 3> polls{};
    nfds_t count = 0;
    const nfds_t out_at = out.open() ? count++ : polls.size();
    if (out.open()) polls[out_at] = pollfd{out.get(), POLLIN, 0};
    const nfds_t err_at = err.open() ? count++ : polls.size();
    if (err.open()) polls[err_at] = pollfd{err.get(), POLLIN, 0};
    if (pidfd.open()) polls[count++] = pollfd{pidfd.get(), POLLIN, 0};
    // Without a pidfd (an old kernel) the child is checked every 20 ms.
    const std::int64_t most = pidfd.open() ? 60'000 : 20;
    const int ready =
        ::poll(polls.data(), count, static_cast<int>(std::min<std::int64_t>(left.count(), most)));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    if (out_at < count && polls[out_at].revents != 0 &&
        read_some(out.get(), out_sink) == Read::kEnd) {
      out.reset();
    }
    if (err_at < count && polls[err_at].revents != 0 &&
        read_some(err.get(), err_sink) == Read::kEnd) {
      err.reset();
    }
  }
  return false;
}

}  // namespace

std::string Result::outcome() const {
  switch (end) {
    case End::kNotStarted: return "not started: " + spawn_error;
    case End::kTimedOut: return "killed after " + std::to_string(timeout.count()) + "ms (timeout)";
    case End::kSignaled: return "killed by signal " + std::to_string(signal);
    case End::kExited: break;
  }
  return "exit " + std::to_string(exit_code);
}

Result run(const Request& request) {
  Result result;
  result.timeout = request.timeout;
  const auto started_at = Clock::now();
  if (request.argv.empty() || request.argv.front().empty()) {
    result.spawn_error = "no program to run (argv is empty)";
    return result;
  }
  const std::string& program = request.argv.front();
  const bool merged = request.streams == Streams::kMerged;
  Fd out_read;
  Fd out_write;
  Fd err_read;
  Fd err_write;
  if (!open_pipe(out_read, out_write) || (!merged && !open_pipe(err_read, err_write))) {
    result.spawn_error = program + ": pipe: " + std::strerror(errno);
    return result;
  }
  pid_t pid = -1;
  const int rc = spawn(request, out_write.get(), merged ? out_write.get() : err_write.get(), pid);
  out_write.reset();
  err_write.reset();
  if (rc != 0) {
    result.spawn_error = program + ": " + std::strerror(rc);
    return result;
  }

  Capture out(request.output_cap, request.keep);
  Capture err(request.output_cap, request.keep);
  const bool timed_out = pump(pid, started_at + request.timeout, out_read, err_read, out, err);
  // Whatever it left running in its group goes with it.
  ::kill(-pid, SIGKILL);
  drain(out_read, out);
  drain(err_read, err);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_at);
  result.out = out.take(result.out_truncated);
  result.err = err.take(result.err_truncated);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (timed_out) {
    result.end = Result::End::kTimedOut;
  } else if (WIFEXITED(status)) {
    result.end = Result::End::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.end = Result::End::kSignaled;
  }
  return result;
}

std::string first_lines(const std::string& text, std::size_t max_lines) {
  std::string out;
  std::size_t lines = 0;
  std::size_t pos = 0;
  while (pos < text.size() && lines < max_lines) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out += (lines++ == 0 ? "" : "; ") + line;
  }
  return out.empty() ? "(no output on stderr)" : out;
}

}  // namespace rwd::process
