#include "child_process.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace rwd::postgres::detail {
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

struct Pipe {
  int read = -1;
  int write = -1;
};

bool open_pipe(Pipe& p) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
  p.read = fds[0];
  p.write = fds[1];
  return true;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// posix_spawnp with stdin from /dev/null, stdout/stderr into the pipes, its
// own process group (so a timeout kills whatever it started) and default
// signal handling (the parent may ignore SIGPIPE).
int spawn(const ChildRequest& request, Pipe& out, Pipe& err, pid_t& pid) {
  std::vector<std::string> args = request.argv;
  std::vector<std::string> env = child_environment(request.env);
  auto argv = pointers(args);
  auto envp = pointers(env);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  ::posix_spawn_file_actions_adddup2(&actions, err.write, 2);
  if (!request.cwd.empty()) ::posix_spawn_file_actions_addchdir_np(&actions, request.cwd.c_str());
  sigset_t defaults;
  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigemptyset(&defaults);
  ::sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setsigmask(&attr, &empty);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETPGROUP |  // NOLINT
                                                       POSIX_SPAWN_SETSIGDEF |
                                                       POSIX_SPAWN_SETSIGMASK));
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  return rc;
}

// Appends what `fd` has to `sink` (up to `cap`); false at end of file.
bool drain(int fd, std::string& sink, std::size_t cap, bool& truncated) {
  std::array<char, 16384> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const auto got = static_cast<std::size_t>(n);
  const std::size_t room = sink.size() < cap ? cap - sink.size() : 0;
  sink.append(buf.data(), std::min(room, got));
  if (got > room) truncated = true;
  return true;
}

// Reads both pipes until they close or the deadline passes; true on timeout.
bool pump(const ChildRequest& request, Pipe& out, Pipe& err, ChildResult& result) {
  const auto deadline = Clock::now() + request.timeout;
  bool err_truncated = false;
  while (out.read >= 0 || err.read >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                            Clock::now());
    if (left.count() <= 0) return true;
    std::array<pollfd, 2> fds{{{out.read, POLLIN, 0}, {err.read, POLLIN, 0}}};
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(
                                                     left.count(), 1'000'000)));
    if (n < 0 && errno != EINTR) return false;
    if (n <= 0) continue;
    if (fds[0].revents != 0 && !drain(out.read, result.out, request.output_cap,
                                      result.out_truncated)) {
      close_fd(out.read);
    }
    if (fds[1].revents != 0 && !drain(err.read, result.err, request.output_cap, err_truncated)) {
      close_fd(err.read);
    }
  }
  return false;
}

// Waits for `pid`; a child still running at the deadline (it may have closed
// its pipes) is killed with its process group.
int reap(pid_t pid, Clock::time_point deadline, bool& timed_out) {
  int status = 0;
  while (!timed_out) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return status;
    if (Clock::now() >= deadline) timed_out = true;
    else ::usleep(10'000);
  }
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

void record_status(int status, ChildResult& result) {
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
}

}  // namespace

std::string ChildResult::outcome(std::chrono::milliseconds timeout) const {
  if (!started) return "not started: " + spawn_error;
  if (timed_out) return "killed after " + std::to_string(timeout.count()) + "ms (timeout)";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit " + std::to_string(exit_code);
}

ChildResult run_child(const ChildRequest& request) {
  ChildResult result;
  const auto started_at = Clock::now();
  if (request.argv.empty()) {
    result.spawn_error = "empty argv";
    return result;
  }
  Pipe out;
  Pipe err;
  if (!open_pipe(out) || !open_pipe(err)) {
    result.spawn_error = std::string("pipe: ") + std::strerror(errno);
    close_fd(out.read);
    close_fd(out.write);
    return result;
  }
  pid_t pid = -1;
  const int rc = spawn(request, out, err, pid);
  close_fd(out.write);
  close_fd(err.write);
  if (rc != 0) {
    result.spawn_error = request.argv[0] + ": " + std::strerror(rc);
    close_fd(out.read);
    close_fd(err.read);
    return result;
  }
  result.started = true;
  const auto deadline = started_at + request.timeout;
  result.timed_out = pump(request, out, err, result);
  close_fd(out.read);
  close_fd(err.read);
  record_status(reap(pid, deadline, result.timed_out), result);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_at);
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

std::optional<std::map<std::string, std::string>> parse_conninfo(const DatabaseUrl& url,
                                                                 std::string* error) {
  char* message = nullptr;
  PQconninfoOption* options = ::PQconninfoParse(url.secret().c_str(), &message);
  if (options == nullptr) {
    if (error != nullptr) *error = url.redact(message != nullptr ? message : "out of memory");
    ::PQfreemem(message);
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {  // NOLINT
    if (o->val != nullptr && *o->val != '\0') out[o->keyword] = o->val;
  }
  ::PQconninfoFree(options);
  return out;
}

std::map<std::string, std::string> pg_environment(const std::map<std::string, std::string>& info,
                                                  std::chrono::milliseconds connect_timeout,
                                                  const std::optional<std::string>& database) {
  static const std::map<std::string, std::string> kVariables = {
      {"host", "PGHOST"},           {"hostaddr", "PGHOSTADDR"},
      {"port", "PGPORT"},           {"user", "PGUSER"},
      {"password", "PGPASSWORD"},   {"passfile", "PGPASSFILE"},
      {"dbname", "PGDATABASE"},     {"sslmode", "PGSSLMODE"},
      {"sslcert", "PGSSLCERT"},     {"sslkey", "PGSSLKEY"},
      {"sslrootcert", "PGSSLROOTCERT"}, {"sslcrl", "PGSSLCRL"},
      {"options", "PGOPTIONS"},     {"application_name", "PGAPPNAME"},
      {"connect_timeout", "PGCONNECT_TIMEOUT"}, {"target_session_attrs", "PGTARGETSESSIONATTRS"},
      {"service", "PGSERVICE"},     {"gssencmode", "PGGSSENCMODE"},
  };
  std::map<std::string, std::string> env;
  for (const auto& [keyword, value] : info) {
    const auto it = kVariables.find(keyword);
    if (it != kVariables.end()) env[it->second] = value;
  }
  if (!env.contains("PGCONNECT_TIMEOUT")) {
    const auto seconds = std::max<std::int64_t>(1, (connect_timeout.count() + 999) / 1000);
    env["PGCONNECT_TIMEOUT"] = std::to_string(seconds);
  }
  if (database) env["PGDATABASE"] = *database;
  return env;
}

std::string resolve_pg_tool(const std::string& program) {
  if (program != "pg_dump" && program != "pg_restore" && program != "psql") return program;
  std::string best;
  long best_version = -1;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto candidate = e.path() / "bin" / program;
    const std::string version = e.path().filename().string();
    char* end = nullptr;
    const long number = std::strtol(version.c_str(), &end, 10);
    if (end == version.c_str() || !std::filesystem::exists(candidate, ec)) continue;
    if (number > best_version) {
      best_version = number;
      best = candidate.string();
    }
  }
  return best.empty() ? program : best;
}

bool is_connection_failure(const std::string& stderr_text) {
  for (const char* marker :
       {"connection to server", "could not connect", "could not translate host name",
        "password authentication failed", "no password supplied", "Connection refused",
        "server closed the connection"}) {
    if (stderr_text.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace rwd::postgres::detail
