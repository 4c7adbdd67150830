#pragma once
// A private Docker Engine for one test: the machine's dockerd binary on its
// own unix socket, data root and exec root under /tmp/rewind-engine-<pid>-*,
// with its own containerd (namespace rewind-test-<pid>), its own bridge
// (rwdeng<pid>, which the fixture creates and deletes) and no iptables
// rules, the vfs storage driver (no mounts per layer). Not `--bridge none`:
// a dockerd started so deletes the host's `docker0`, the machine's Engine's
// bridge, under every other test. Tests may
// restart it — what they may never do to the machine's Engine, which other
// tests share.
//
//   PrivateEngine engine;                       // started, /_ping answers
//   ASSERT_TRUE(engine.load_images({"rewind-demo:v1"}));  // from the machine's Engine
//   engine.api("GET", "/containers/json?all=1");
//   ASSERT_TRUE(engine.restart());              // SIGTERM, wait, start on the same data root
//   engine.stop(); ...; engine.start();         // the same in two halves: a test acts between
//   engine.log();                               // dockerd's output, for failure messages
//
// The destructor removes every container of the engine, stops it (SIGKILL
// after 60 s), kills what is left of its containerd and shims, unmounts what
// it mounted under its directory and removes the directory. Directories of
// test processes that died before their destructor ran are swept the same
// way by remove_leftovers().

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "docker_env.hpp"

namespace rwd::itest {

class PrivateEngine {
 public:
  static constexpr const char* kDirPrefix = "rewind-engine-";

  PrivateEngine() {
    binary_ = find_dockerd();
    const std::string tmpl_text =
        "/tmp/" + std::string(kDirPrefix) + std::to_string(::getpid()) + "-XXXXXX";
    std::vector<char> tmpl(tmpl_text.begin(), tmpl_text.end());
    tmpl.push_back('\0');
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl.data();
    namespace_ = "rewind-test-" + std::to_string(::getpid());
    bridge_ = bridge_name(::getpid());
    if (!create_bridge(bridge_, ::getpid())) {
      std::filesystem::remove_all(dir_);
      throw std::runtime_error("could not create the bridge " + bridge_ +
                               " for the private dockerd");
    }
    // An empty configuration: /etc/docker/daemon.json would name the
    // machine's data root and storage driver, and dockerd refuses an option
    // given both there and as a flag.
    std::ofstream(dir_ + "/daemon.json") << "{}\n";
    if (!start()) {
      const std::string log_text = log();
      cleanup();
      throw std::runtime_error("the private dockerd did not answer on " + socket_path() +
                               " within 60 s; its log:\n" + log_text);
    }
  }

  ~PrivateEngine() { cleanup(); }
  PrivateEngine(const PrivateEngine&) = delete;
  PrivateEngine& operator=(const PrivateEngine&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string socket_path() const { return dir_ + "/docker.sock"; }
  // For --docker and `docker -H`.
  [[nodiscard]] std::string host() const { return "unix://" + socket_path(); }
  // dockerd's command line.
  [[nodiscard]] std::vector<std::string> arguments() const {
    return {binary_,
            "--config-file",
            dir_ + "/daemon.json",
            "--host",
            host(),
            "--data-root",
            dir_ + "/data",
            "--exec-root",
            dir_ + "/exec",
            "--pidfile",
            dir_ + "/docker.pid",
            "--containerd-namespace",
            namespace_,
            "--containerd-plugins-namespace",
            namespace_ + "-plugins",
            "--bridge",
            bridge_,
            "--iptables=false",
            "--ip6tables=false",
            "--storage-driver",
            "vfs",
            "--debug"};  // logs each API request: see requests()
  }

  // A request to this Engine's API (unversioned path), as docker_api() does
  // for the machine's.
  [[nodiscard]] HttpResponse api(const std::string& method, const std::string& path,
                                 const std::string& json_body = "") const {
    HttpResponse r;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path().c_str());
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT
      ::close(fd);
      r.error = "connect " + socket_path() + " failed";
      return r;
    }
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n";
    if (!json_body.empty()) {
      req +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(json_body.size()) +
          "\r\n";
    } else if (method == "POST") {
      req += "Content-Length: 0\r\n";
    }
    return detail::exchange(fd, req + "\r\n" + json_body);
  }

  // Does it answer GET /_ping with OK?
  [[nodiscard]] bool answers() const {
    const HttpResponse r = api("GET", "/_ping");
    return r.status == 200 && trimmed(r.body) == "OK";
  }

  // The docker CLI against this Engine: "docker -H unix://... <args>".
  [[nodiscard]] CommandResult cli(const std::string& args) const {
    return run_command("docker -H " + shell_quote(host()) + " " + args);
  }

  // Copies images from the machine's Engine: `docker save | docker -H ... load`.
  ::testing::AssertionResult load_images(const std::vector<std::string>& images) const {
    std::string names;
    for (const auto& i : images) names += " " + shell_quote(i);
    const CommandResult r =
        run_command("docker save" + names + " | docker -H " + shell_quote(host()) + " load");
    for (const auto& i : images) {
      if (api("GET", "/images/" + i + "/json").status != 200) {
        return ::testing::AssertionFailure()
               << "image " << i << " is not in the private Engine after `docker save | docker "
               << "load` (exit " << r.exit_code << "): " << r.output;
      }
    }
    return ::testing::AssertionSuccess();
  }

  // SIGTERM, wait until it exited (its containers stop with it: no
  // live-restore), and start it again on the same data root.
  ::testing::AssertionResult restart() {
    if (!stop()) return ::testing::AssertionFailure() << "dockerd did not stop on SIGTERM in 60 s";
    if (!start()) {
      return ::testing::AssertionFailure()
             << "dockerd did not answer again within 60 s of a restart";
    }
    return ::testing::AssertionSuccess();
  }

  // Forks dockerd (its own session, output appended to dockerd.log) and
  // waits until /_ping answers (60 s at most).
  bool start() {
    if (pid_ > 0) return answers();
    std::vector<std::string> args = arguments();
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log_path = dir_ + "/dockerd.log";
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    if (fd >= 0) ::close(fd);
    if (pid_ < 0) return false;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < end) {
      if (answers()) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // it gave up
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // SIGTERM and wait for the exit (SIGKILL after 60 s). True when it
  // stopped on SIGTERM.
  bool stop() {
    if (pid_ <= 0) return true;
    ::kill(pid_, SIGTERM);
    const bool clean = reaped_within(std::chrono::seconds(60));
    if (!clean) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    return clean;
  }

  // dockerd's output since the first start without its debug lines, the
  // last `max_bytes` of it.
  [[nodiscard]] std::string log(std::size_t max_bytes = 20000) const {
    std::istringstream in(read_file(dir_ + "/dockerd.log"));
    std::string text;
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("level=debug") == std::string::npos) text += line + "\n";
    }
    if (text.size() > max_bytes) text = "...\n" + text.substr(text.size() - max_bytes);
    return text;
  }

  // How many `method` requests to `path` (unversioned, e.g. "/events") it
  // has served since the first start, from its debug log ("Calling GET
  // /v1.41/events?filters=...").
  [[nodiscard]] std::size_t requests(const std::string& method, const std::string& path) const {
    const std::string text = read_file(dir_ + "/dockerd.log");
    const std::string call = "Calling " + method + " /v";
    std::size_t n = 0;
    for (auto at = text.find(call); at != std::string::npos; at = text.find(call, at + 1)) {
      const auto slash = text.find('/', at + call.size());  // after the version
      if (slash != std::string::npos && text.compare(slash, path.size(), path) == 0) ++n;
    }
    return n;
  }

  // Engines of test processes that are gone (killed at a ctest timeout).
  static void remove_leftovers() {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/tmp", ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind(kDirPrefix, 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + std::string(kDirPrefix).size(), nullptr, 10);
      if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;
      tear_down(e.path().string());
    }
    // Bridges of test processes that died.
    const CommandResult links = run_command("ip -o link show type bridge");
    std::istringstream lines(links.output);
    for (std::string line; std::getline(lines, line);) {
      const auto at = line.find(": rwdeng");
      if (at == std::string::npos) continue;
      const long pid = std::strtol(line.c_str() + at + 8, nullptr, 10);
      if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;
      (void)run_command("ip link del " + bridge_name(static_cast<pid_t>(pid)));
    }
  }

 private:
  static std::string find_dockerd() {
    for (const char* p : {"/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd"}) {
      if (::access(p, X_OK) == 0) return p;
    }
    const CommandResult r = run_command("command -v dockerd");
    const std::string found = trimmed(r.output);
    if (r.exit_code == 0 && !found.empty()) return found;
    throw std::runtime_error(
        "no dockerd binary (/usr/bin/dockerd or on PATH): tests/integration/prepare installs "
        "Debian's docker.io");
  }

  bool reaped_within(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    do {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < end);
    return false;
  }

  void cleanup() {
    if (dir_.empty()) return;
    if (pid_ > 0 && answers()) {
      const HttpResponse list = api("GET", "/containers/json?all=1");
      const auto summaries = nlohmann::json::parse(list.body, nullptr, false);
      if (summaries.is_array()) {
        for (const auto& s : summaries) {
          (void)api("DELETE", "/containers/" + s.value("Id", "") + "?force=1&v=1");
        }
      }
    }
    stop();
    tear_down(dir_);
    dir_.clear();
    (void)run_command("ip link del " + bridge_);
  }

  static std::string bridge_name(pid_t pid) { return "rwdeng" + std::to_string(pid); }

  // A bridge with a /24 of its own (10.200-249.x.0, from the pid) for the
  // Engine's default network; the tests' containers use the host network.
  static bool create_bridge(const std::string& name, pid_t pid) {
    const auto p = static_cast<unsigned>(pid);
    const std::string subnet =
        "10." + std::to_string(200 + (p / 256) % 50) + "." + std::to_string(p % 256) + ".1/24";
    (void)run_command("ip link del " + name + " 2>/dev/null");
    return run_command("ip link add name " + name + " type bridge && ip addr add " + subnet +
                       " dev " + name + " && ip link set " + name + " up")
               .exit_code == 0;
  }

  // Kills every process that names `dir` on its command line (containerd,
  // its shims) and their children (the containers), unmounts what is
  // mounted under `dir`, removes it.
  static void tear_down(const std::string& dir) {
    for (int round = 0; round < 20; ++round) {
      std::set<pid_t> doomed = processes_naming(dir);
      if (doomed.empty()) break;
      for (std::size_t before = 0; before != doomed.size();) {  // and their descendants
        before = doomed.size();
        for (const pid_t child : children_of(doomed)) doomed.insert(child);
      }
      for (const pid_t p : doomed) ::kill(p, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::vector<std::string> mounts = mounts_under(dir);
    std::sort(mounts.begin(), mounts.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static std::vector<pid_t> all_pids() {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
  }

  static std::set<pid_t> processes_naming(const std::string& dir) {
    std::set<pid_t> out;
    for (const pid_t p : all_pids()) {
      if (p == ::getpid()) continue;
      std::string cmdline = read_file("/proc/" + std::to_string(p) + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (cmdline.find(dir + "/") != std::string::npos) out.insert(p);
    }
    return out;
  }

  // Direct children of `parents` (PPid in /proc/<pid>/status).
  static std::set<pid_t> children_of(const std::set<pid_t>& parents) {
    std::set<pid_t> out;
    for (const pid_t p : all_pids()) {
      std::istringstream status(read_file("/proc/" + std::to_string(p) + "/status"));
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("PPid:", 0) != 0) continue;
        const auto ppid = static_cast<pid_t>(std::strtol(line.c_str() + 5, nullptr, 10));
        if (parents.count(ppid) != 0) out.insert(p);
        break;
      }
    }
    return out;
  }

  // Mount points at or under `dir` (field 5 of /proc/self/mountinfo, octal escapes kept).
  static std::vector<std::string> mounts_under(const std::string& dir) {
    std::vector<std::string> out;
    std::istringstream in(read_file("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string id;
      std::string parent;
      std::string dev;
      std::string root;
      std::string point;
      fields >> id >> parent >> dev >> root >> point;
      if (point == dir || point.rfind(dir + "/", 0) == 0) out.push_back(point);
    }
    return out;
  }

  std::string binary_;
  std::string dir_;
  std::string namespace_;
  std::string bridge_;
  pid_t pid_ = -1;
};

}  // namespace rwd::itest
