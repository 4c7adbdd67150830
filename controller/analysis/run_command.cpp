#include "run_command.hpp"

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

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace rwd::analysis::detail {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> environment(const std::map<std::string, std::string>& extra) {
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
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// stdout and stderr into `out`, stdin from /dev/null, a new process group,
// default signal dispositions and mask.
int spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          int out, pid_t& pid) {
  std::vector<std::string> args = argv;
  std::vector<std::string> vars = environment(env);
  auto argp = pointers(args);
  auto envp = pointers(vars);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out, 1);
  ::posix_spawn_file_actions_adddup2(&actions, out, 2);
  sigset_t defaults;
  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigemptyset(&defaults);  // signals the parent ignores would stay ignored across exec
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2}) {
    ::sigaddset(&defaults, sig);
  }
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setsigmask(&attr, &empty);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
  const int rc = ::posix_spawnp(&pid, argp[0], &actions, &attr, argp.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  return rc;
}

void keep_tail(std::string& out, std::string_view data, std::size_t max) {
  out.append(data);
  if (out.size() > 2 * max + 4096) out.erase(0, out.size() - max);
}

enum class Read { kData, kEnd, kLater };

// One read of what is there.
Read read_some(int fd, std::string& out, std::size_t max) {
  std::array<char, 4096> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n > 0) {
    keep_tail(out, std::string_view(buf.data(), static_cast<std::size_t>(n)), max);
    return Read::kData;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return Read::kLater;
  return Read::kEnd;
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

}  // namespace

std::string printable_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      out += (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? ' ' : static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      min = 0x10000;
    }
    bool ok = len != 0 && i + len <= bytes.size();
    unsigned cp = ok ? (c & (0xFFU >> (len + 1))) : 0;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(bytes[i + k]);
      ok = (cc & 0xC0U) == 0x80U;
      cp = (cp << 6U) | (cc & 0x3FU);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (ok) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

CommandRun run_command(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& extra_env,
                       std::chrono::milliseconds timeout, std::size_t max_output) {
  CommandRun run;
  if (argv.empty() || argv.front().empty()) {
    run.error = "no command";
    return run;
  }
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    run.error = std::string("pipe: ") + std::strerror(errno);
    return run;
  }
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  pid_t pid = -1;
  if (const int rc = spawn(argv, extra_env, write_end.get(), pid); rc != 0) {
    run.error = "cannot start " + argv.front() + ": " + std::strerror(rc);
    return run;
  }
  write_end.reset();
  Fd pidfd(pidfd_open(pid));

  std::string output;
  bool eof = false;
  bool exited = false;
  bool timed_out = false;
  int wait_status = 0;
  while (!exited) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    std::array<pollfd, 2> polls{};
    nfds_t count = 0;
    if (!eof) polls[count++] = pollfd{read_end.get(), POLLIN, 0};
    const bool have_pidfd = pidfd.get() >= 0;
    if (have_pidfd) polls[count++] = pollfd{pidfd.get(), POLLIN, 0};
    // Without a pidfd the child is checked every 20 ms.
    const int wait_ms = have_pidfd ? static_cast<int>(std::min<std::int64_t>(left.count(), 60'000))
                                   : static_cast<int>(std::min<std::int64_t>(left.count(), 20));
    const int ready = ::poll(polls.data(), count, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && !eof && (polls[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      eof = read_some(read_end.get(), output, max_output) == Read::kEnd;
    }
    if (have_pidfd) {
      const pollfd& p = polls[count - 1];
      exited = ready > 0 && (p.revents & POLLIN) != 0;
    } else if (::waitpid(pid, &wait_status, WNOHANG) == pid) {
      exited = true;
      pid = -pid;  // reaped
    }
  }
  // Whatever the command left running in its group goes with it; the
  // unreaped child keeps the group id from being reused until here.
  ::kill(pid > 0 ? -pid : pid, SIGKILL);
  if (!eof) {
    ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
    // Bounded: something the command started may still be writing.
    for (int i = 0; i < 64 && read_some(read_end.get(), output, max_output) == Read::kData; ++i) {
    }
  }
  if (pid > 0) {
    while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
    }
  }
  run.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (output.size() > max_output) output.erase(0, output.size() - max_output);
  run.output = printable_utf8(output);
  if (timed_out) {
    run.end = CommandRun::End::kTimedOut;
  } else if (WIFEXITED(wait_status)) {
    run.end = CommandRun::End::kExited;
    run.status = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    run.end = CommandRun::End::kSignaled;
    run.status = WTERMSIG(wait_status);
  }
  return run;
}

}  // namespace rwd::analysis::detail
