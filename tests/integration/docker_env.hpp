#pragma once
// Helpers for integration tests that run containers on the local Docker
// Engine. Dependency-light on purpose: the docker CLI through popen() for
// setup and cleanup, a few lines of HTTP over the engine's unix socket where
// the CLI cannot say what a test needs (an exec-form healthcheck), and a tiny
// HTTP GET for talking to the containers. Code under test uses rewind's own
// API client; these helpers only arrange and inspect.
//
//   class MyTest : public ::testing::Test {
//     void SetUp() override {
//       ASSERT_TRUE(rwd::itest::docker_answers());   // a missing engine fails, never skips
//       ASSERT_TRUE(rwd::itest::ensure_demo_images());
//       rwd::itest::DockerCleanup::remove_leftovers();  // of test processes that crashed
//     }
//     rwd::itest::DockerCleanup cleanup_;           // removes this process's containers
//   };
//
// Every container, network or volume a test creates should carry the label
// rwd::itest::kTestLabel=rwd::itest::test_prefix() (label_args() for the
// CLI, test_labels() for the API), and a name from unique_name().

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace rwd::itest {

inline constexpr const char* kTestLabel = "rewind.dev/test";
inline constexpr const char* kDockerSocket = "/var/run/docker.sock";

struct CommandResult {
  int exit_code = -1;  // the command's exit status; -1 when it did not exit normally
  std::string output;  // stdout and stderr
};

// Single quotes for sh.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Does a Docker Engine answer? A failure names what to do; call it through
// ASSERT_TRUE so a missing engine fails the test (it is never a skip).
inline ::testing::AssertionResult docker_answers() {
  const CommandResult r = run_command("timeout 20 docker info --format '{{.ServerVersion}}'");
  if (r.exit_code == 0 && !trimmed(r.output).empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "no Docker Engine answers on " << kDockerSocket
         << " (tests/integration/prepare installs and starts one): `docker info` said: "
         << trimmed(r.output);
}

// "rwdit-<pid>-<random>": unique to this test process.
inline const std::string& test_prefix() {
  static const std::string prefix = [] {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06x", rd() & 0xffffffU);
    return "rwdit-" + std::to_string(::getpid()) + "-" + buf;
  }();
  return prefix;
}

inline std::string unique_name(const std::string& suffix) { return test_prefix() + "-" + suffix; }

// "--label rewind.dev/test=<prefix>" for docker CLI commands.
inline std::string label_args() {
  return std::string("--label ") + kTestLabel + "=" + test_prefix();
}

// Removes the containers, networks and volumes of this test process when it
// goes out of scope (and on demand with remove_now()).
class DockerCleanup {
 public:
  DockerCleanup() = default;
  ~DockerCleanup() { remove_now(); }
  DockerCleanup(const DockerCleanup&) = delete;
  DockerCleanup& operator=(const DockerCleanup&) = delete;

  static void remove_now() {
    const std::string filter = std::string("--filter label=") + kTestLabel + "=" + test_prefix();
    run_command("docker ps -aq " + filter + " | xargs -r docker rm -f -v");
    run_command("docker network ls -q " + filter + " | xargs -r docker network rm");
    run_command("docker volume ls -q " + filter + " | xargs -r docker volume rm -f");
  }

  // Containers left by test processes that died before their cleanup ran
  // (the pid in their prefix is gone). Those of live processes are kept.
  static void remove_leftovers() {
    const CommandResult r = run_command(std::string("docker ps -a --filter label=") + kTestLabel +
                                        " --format '{{.ID}} {{.Label \"" + kTestLabel + "\"}}'");
    if (r.exit_code != 0) return;
    std::size_t pos = 0;
    while (pos < r.output.size()) {
      const std::size_t eol = r.output.find('\n', pos);
      const std::string line = r.output.substr(pos, eol - pos);
      pos = eol == std::string::npos ? r.output.size() : eol + 1;
      const auto space = line.find(' ');
      const std::string id = line.substr(0, space);
      const std::string prefix = space == std::string::npos ? "" : line.substr(space + 1);
      if (prefix.rfind("rwdit-", 0) != 0) continue;
      const long pid = std::strtol(prefix.c_str() + 6, nullptr, 10);
      if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;
      run_command("docker rm -f -v " + id);
    }
  }
};

inline std::string demo_app_binary() {
  return std::string(REWIND_BINARY_DIR) + "/examples/demo-app/rewind-demo-app";
}

// rewind-demo:v1, :v2, :v3 from the demo binary of this build
// (tests/integration/prepare --images-only; quick when they are current).
inline ::testing::AssertionResult ensure_demo_images() {
  static std::optional<CommandResult> done;
  if (!done) {
    done =
        run_command(std::string(REWIND_SOURCE_DIR) + "/tests/integration/prepare --images-only " +
                    shell_quote(demo_app_binary()));
  }
  if (done->exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "preparing the demo images failed:\n" << done->output;
}

// ---- raw HTTP, for setup ---------------------------------------------------
struct HttpResponse {
  int status = 0;  // 0: no answer (error says why)
  std::string headers;
  std::string body;
  std::string error;
};

namespace detail {

inline bool send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

inline std::string dechunk(const std::string& in) {
  std::string out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const auto eol = in.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const std::size_t len = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
    if (len == 0) break;
    out += in.substr(eol + 2, len);
    pos = eol + 2 + len + 2;
  }
  return out;
}

// Sends a request with "Connection: close" and reads the answer to EOF.
inline HttpResponse exchange(int fd, const std::string& request) {
  HttpResponse r;
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (!send_all(fd, request)) {
    r.error = "send failed";
    ::close(fd);
    return r;
  }
  std::string raw;
  std::array<char, 8192> buf{};
  ssize_t n = 0;
  while ((n = ::recv(fd, buf.data(), buf.size(), 0)) > 0) {
    raw.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) {
    r.error = raw.empty() ? "no answer" : "not an HTTP answer: " + raw.substr(0, 80);
    return r;
  }
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  std::string lower = r.headers;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("transfer-encoding: chunked") != std::string::npos) r.body = dechunk(r.body);
  return r;
}

}  // namespace detail

// `method` http://127.0.0.1:<port><path> with more header lines ("Name: value\r\n"
// each) and no body.
inline HttpResponse http_request(int port, const std::string& method, const std::string& path,
                                 const std::string& headers = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    HttpResponse r;
    r.error = "connect 127.0.0.1:" + std::to_string(port) + " failed";
    return r;
  }
  const std::string length = method == "GET" ? "" : "Content-Length: 0\r\n";
  return detail::exchange(fd, method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
                                  length + "Connection: close\r\n\r\n");
}

// GET http://127.0.0.1:<port><path>.
inline HttpResponse http_get(int port, const std::string& path) {
  return http_request(port, "GET", path);
}

// A request to the Docker Engine API (unversioned path, e.g.
// "/containers/create?name=x"), for test setup that the CLI cannot express.
inline HttpResponse docker_api(const std::string& method, const std::string& path,
                               const std::string& json_body = "") {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", kDockerSocket);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    HttpResponse r;
    r.error = std::string("connect ") + kDockerSocket + " failed";
    return r;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n";
  if (!json_body.empty()) {
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(json_body.size()) +
           "\r\n";
  } else if (method == "POST") {
    req += "Content-Length: 0\r\n";
  }
  req += "\r\n" + json_body;
  return detail::exchange(fd, req);
}

// ---- waiting on the engine's event stream ---------------------------------
// Reads `docker events` for one container from `since` (a Unix time taken
// before the container was created, so nothing is missed) until an event
// whose status is `status` (e.g. "health_status: healthy", "die") arrives or
// `timeout` passes. Returns the statuses seen; the last one is `status` on
// success.
inline std::vector<std::string> wait_for_event(const std::string& container,
                                               const std::string& status, std::time_t since,
                                               std::chrono::seconds timeout) {
  const std::time_t until = std::time(nullptr) + static_cast<std::time_t>(timeout.count());
  const std::string cmd =
      "sh -c " + shell_quote("echo $$; exec docker events --since " + std::to_string(since) +
                             " --until " + std::to_string(until) +
                             " --filter container=" + container + " --format '{{.Status}}'");
  std::vector<std::string> seen;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return seen;
  std::array<char, 1024> line{};
  pid_t pid = 0;
  if (std::fgets(line.data(), static_cast<int>(line.size()), p) != nullptr) {
    pid = std::atoi(line.data());
  }
  while (std::fgets(line.data(), static_cast<int>(line.size()), p) != nullptr) {
    seen.push_back(trimmed(line.data()));
    if (seen.back() == status) break;
  }
  if (pid > 0) ::kill(pid, SIGTERM);
  ::pclose(p);
  return seen;
}

}  // namespace rwd::itest
