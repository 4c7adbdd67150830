// LocalNginx: nginx on this host. `nginx -t` through its binary, SIGHUP to
// the master from its pid file, workers from /proc.

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include "rewind/process/child.hpp"
#include "rewind/router/nginx_control.hpp"

#include "files.hpp"

namespace rwd::router {
namespace {

using model::Error;

constexpr std::string_view kMasterTitle = "nginx: master process";
constexpr std::string_view kWorkerTitle = "nginx: worker process";

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::optional<int> to_pid(std::string_view s) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// The parent pid from /proc/<pid>/stat; 0 when unreadable.
int parent_of(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');  // comm may contain spaces and ')'
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  int ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

class LocalNginx final : public NginxControl {
 public:
  explicit LocalNginx(LocalNginxOptions options) : options_(std::move(options)) {}

  [[nodiscard]] std::string describe() const override {
    return "nginx (pid file " + options_.pid_file.string() + ")";
  }

  model::Status test_config() override {
    process::Request request;
    request.argv = {options_.nginx_binary};
    request.argv.insert(request.argv.end(), options_.nginx_args.begin(), options_.nginx_args.end());
    request.argv.insert(request.argv.end(), {"-t", "-q", "-c", options_.main_config.string()});
    request.timeout = options_.test_timeout;
    request.streams = process::Streams::kMerged;
    const process::Result r = process::run(request);
    const std::string what = "nginx -t -c " + options_.main_config.string();
    if (!r.started()) return Error::terminal("cannot run " + r.spawn_error);
    if (r.timed_out()) return Error::transient(what + " " + r.outcome());
    if (r.succeeded()) return {};
    return Error::terminal(what + " rejected it (" + r.outcome() + "): " + trimmed(r.out));
  }

  model::Result<std::vector<int>> workers() override {
    auto master = master_pid();
    if (!master) return master.error();
    return nginx_workers_of(*master);
  }

  model::Status reload() override {
    auto master = master_pid();
    if (!master) return master.error();
    if (::kill(*master, SIGHUP) != 0) {
      return Error::terminal("cannot send SIGHUP to nginx master " + std::to_string(*master) +
                             " (pid file " + options_.pid_file.string() +
                             "): " + errno_text(errno));
    }
    return {};
  }

  // The pid from the pid file, checked to be a running nginx master.
  model::Result<int> master_pid() const {
    const std::string where = "pid file " + options_.pid_file.string();
    auto text = detail::read_file(options_.pid_file);
    if (!text) return Error::terminal(text.error().message);
    if (!text->has_value()) {
      return Error::terminal(where +
                             " does not exist: is nginx running, and is this the path of "
                             "its `pid` directive?");
    }
    const std::string value = trimmed(**text);
    const auto pid = to_pid(value);
    if (!pid) return Error::terminal(where + " holds \"" + value + "\", not a process id");
    if (::kill(*pid, 0) != 0 && errno == ESRCH) {
      return Error::terminal(where + " names pid " + value +
                             ", which is not running (a stale pid file: nginx stopped?)");
    }
    const std::string title = process_title(*pid);
    if (title.rfind(kMasterTitle, 0) != 0) {
      return Error::terminal(where + " names pid " + value + ", which is not an nginx master (" +
                             (title.empty() ? std::string("no title") : "\"" + title + "\"") +
                             "; a stale pid file?)");
    }
    return *pid;
  }

 private:
  LocalNginxOptions options_;
};

}  // namespace

bool workers_replaced(const std::vector<int>& before, const std::vector<int>& after) {
  if (after.empty()) return false;
  return std::none_of(after.begin(), after.end(), [&](int pid) {
    return std::find(before.begin(), before.end(), pid) != before.end();
  });
}

std::string process_title(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // nginx writes its title over argv; NULs separate what is left.
  std::replace(raw.begin(), raw.end(), '\0', ' ');
  return trimmed(raw);
}

std::vector<int> nginx_workers_of(int parent) {
  std::vector<int> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const auto pid = to_pid(e->d_name);
    if (!pid || parent_of(*pid) != parent) continue;
    const std::string title = process_title(*pid);
    if (title.rfind(kWorkerTitle, 0) != 0) continue;
    if (title.find("shutting down") != std::string::npos) continue;
    out.push_back(*pid);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

model::Result<std::unique_ptr<NginxControl>> make_local_nginx(LocalNginxOptions options) {
  if (options.nginx_binary.empty() || ::access(options.nginx_binary.c_str(), X_OK) != 0) {
    return Error::terminal("nginx binary \"" + options.nginx_binary +
                           "\" is not an executable file");
  }
  if (options.main_config.empty()) {
    return Error::terminal(
        "nginx main configuration is empty; it must name the file nginx "
        "loads (for nginx -t -c)");
  }
  if (::access(options.main_config.c_str(), R_OK) != 0) {
    return Error::terminal("nginx main configuration " + options.main_config.string() +
                           " is not readable: " + errno_text(errno));
  }
  if (options.pid_file.empty()) {
    return Error::terminal(
        "nginx pid file is empty; it must name the file of nginx's `pid` "
        "directive");
  }
  if (options.test_timeout.count() <= 0) {
    return Error::terminal("nginx test timeout must be positive");
  }
  auto control = std::make_unique<LocalNginx>(std::move(options));
  if (auto pid = control->master_pid(); !pid) return pid.error();
  return std::unique_ptr<NginxControl>(std::move(control));
}

}  // namespace rwd::router
