#pragma once
// A private nginx for the router's integration tests, and demo-app backends.
//
//   NginxServer nginx;                                  // mkdtemp prefix, free port
//   nginx.start("rewind_default_web", bootstrap_file);  // daemon, pid file in the prefix
//   http_get(nginx.port(), "/version");                 // proxied to the upstream
//
// Everything nginx writes stays under its own temporary prefix: the pid file,
// error log, temp paths and upstreams/ (included from the http block). The
// server block proxies `/` to the upstream named at start(); the upstream
// file itself is rewind's (start() writes a bootstrap one, as an operator
// would, since nginx refuses to start with an unknown upstream).
//
//   DemoApp blue("v1");                                 // rewind-demo-app on a free port

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "docker_env.hpp"
#include "loopback.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace rwd::itest {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

// Waits until GET /path on the port answers 200 (or the deadline passes).
inline bool wait_http_ok(int port, const std::string& path, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (http_get(port, path).status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

inline std::filesystem::path make_temp_dir(const std::string& what) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / ("rewind-" + what + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

// The main configuration: everything under `prefix` (paths as nginx sees
// them, which differ from the host's for a container), `/` proxied to
// `upstream`, the upstream files from <prefix>/upstreams.
inline std::string nginx_config(const std::string& prefix, int port, const std::string& upstream,
                                const std::string& extra_main = "") {
  std::ostringstream c;
  c << extra_main << "worker_processes 2;\n"
    << "error_log " << prefix << "/error.log notice;\n"
    << "pid " << prefix << "/nginx.pid;\n"
    << "events { worker_connections 512; }\n"
    << "http {\n"
    << "  access_log off;\n"
    << "  client_body_temp_path " << prefix << "/tmp/body;\n"
    << "  proxy_temp_path " << prefix << "/tmp/proxy;\n"
    << "  fastcgi_temp_path " << prefix << "/tmp/fastcgi;\n"
    << "  uwsgi_temp_path " << prefix << "/tmp/uwsgi;\n"
    << "  scgi_temp_path " << prefix << "/tmp/scgi;\n"
    << "  include " << prefix << "/upstreams/*.conf;\n"
    << "  server {\n"
    << "    listen 127.0.0.1:" << port << ";\n"
    << "    location / { proxy_pass http://" << upstream << "; }\n"
    << "  }\n"
    << "}\n";
  return c.str();
}

class NginxServer {
 public:
  NginxServer() : dir_(make_temp_dir("nginx")), port_(free_loopback_port()) {
    std::filesystem::create_directories(dir_ / "upstreams");
    std::filesystem::create_directories(dir_ / "tmp");
  }
  ~NginxServer() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // Writes the configuration and `bootstrap` as upstreams/<bootstrap_name>,
  // starts nginx (daemon) and waits for its pid file and its port.
  ::testing::AssertionResult start(const std::string& upstream, const std::string& bootstrap_name,
                                   const std::string& bootstrap) {
    write_text(config_path(), nginx_config(dir_.string(), port_, upstream));
    write_text(upstream_dir() / bootstrap_name, bootstrap);
    const CommandResult r = run_command(command_line({"-c", config_path().string()}));
    if (r.exit_code != 0) {
      return ::testing::AssertionFailure()
             << "nginx did not start: " << r.output << read_text(dir_ / "error.log");
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (master_pid() > 0 && http_get(port_, "/").status != 0) {
        return ::testing::AssertionSuccess();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ::testing::AssertionFailure() << "nginx did not listen on 127.0.0.1:" << port_;
  }

  // SIGQUIT (graceful) and wait for the master to exit.
  void stop() {
    const int pid = master_pid();
    // Only an nginx master: a test may have written a stale or foreign pid.
    if (pid <= 0 ||
        read_text("/proc/" + std::to_string(pid) + "/cmdline").rfind("nginx: master", 0) != 0) {
      return;
    }
    ::kill(pid, SIGQUIT);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  }

  [[nodiscard]] int master_pid() const {
    const std::string text = read_text(pid_file());
    return text.empty() ? 0 : std::atoi(text.c_str());
  }

  // nginx's options other than -c and -t (for the router's LocalNginxOptions).
  [[nodiscard]] std::vector<std::string> args() const {
    return {"-p", dir_.string() + "/", "-e", (dir_ / "error.log").string()};
  }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path upstream_dir() const { return dir_ / "upstreams"; }
  [[nodiscard]] std::filesystem::path config_path() const { return dir_ / "nginx.conf"; }
  [[nodiscard]] std::filesystem::path pid_file() const { return dir_ / "nginx.pid"; }
  [[nodiscard]] std::string error_log() const { return read_text(dir_ / "error.log"); }

 private:
  [[nodiscard]] std::string command_line(const std::vector<std::string>& extra) const {
    std::string cmd = "/usr/sbin/nginx";
    for (const auto& a : args()) cmd += " " + shell_quote(a);
    for (const auto& a : extra) cmd += " " + shell_quote(a);
    return cmd;
  }

  std::filesystem::path dir_;
  int port_;
};

// rewind-demo-app as a child process on a free loopback port.
class DemoApp {
 public:
  explicit DemoApp(const std::string& version) : port_(free_loopback_port()) {
    const std::string binary = demo_app_binary();
    std::vector<std::string> env_strings{"DEMO_PORT=" + std::to_string(port_),
                                         "DEMO_VERSION=" + version};
    std::vector<char*> env;
    for (auto& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    std::vector<char*> argv{const_cast<char*>(binary.c_str()), nullptr};  // NOLINT
    if (::posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, argv.data(), env.data()) != 0) {
      throw std::runtime_error("cannot start " + binary);
    }
    if (!wait_http_ok(port_, "/health", std::chrono::seconds(10))) {
      throw std::runtime_error("the demo app " + version + " did not answer on port " +
                               std::to_string(port_));
    }
  }
  ~DemoApp() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  DemoApp(const DemoApp&) = delete;
  DemoApp& operator=(const DemoApp&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  pid_t pid_ = 0;
};

// GET /version through nginx `n` times (a new connection each); counts per answer.
inline std::map<std::string, int> versions(int port, int n) {
  std::map<std::string, int> out;
  for (int i = 0; i < n; ++i) {
    const HttpResponse r = http_get(port, "/version");
    out[r.status == 200 ? trimmed(r.body) : "HTTP " + std::to_string(r.status) + r.error] += 1;
  }
  return out;
}

}  // namespace rwd::itest
