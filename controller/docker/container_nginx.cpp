// ContainerNginx: nginx -t, reload and worker list of nginx in a container.

#include "rewind/docker/container_nginx.hpp"

#include <algorithm>
#include <charconv>

namespace rwd::docker {
namespace {

using model::Error;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::optional<std::size_t> column(const ContainerTop& top, const std::string& name) {
  const auto it = std::find(top.titles.begin(), top.titles.end(), name);
  if (it == top.titles.end()) return std::nullopt;
  return static_cast<std::size_t>(it - top.titles.begin());
}

std::optional<int> to_int(const std::string& s) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

class ContainerNginx final : public router::NginxControl {
 public:
  ContainerNginx(std::unique_ptr<Client> client, ContainerNginxOptions options)
      : client_(std::move(client)), options_(std::move(options)) {}

  [[nodiscard]] std::string describe() const override {
    return "nginx in container " + options_.container + " (Docker Engine " +
           client_->endpoint().str() + ")";
  }

  model::Status test_config() override {
    auto r = client_->exec_in_container(options_.container, options_.test_command,
                                        options_.test_timeout);
    if (!r) return r.error().error;
    if (r->exit_code == 0) return {};
    std::string command;
    for (const auto& part : options_.test_command) command += (command.empty() ? "" : " ") + part;
    return Error::terminal("`" + command + "` in container " + options_.container +
                           " rejected it (exit " + std::to_string(r->exit_code) +
                           "): " + trimmed(r->output));
  }

  model::Result<std::vector<int>> workers() override {
    auto top = client_->top_container(options_.container);
    if (!top) {
      return Error(top.error().error.kind, "cannot list the processes of nginx container " +
                                               options_.container + ": " + top.error().message());
    }
    return nginx_workers_from_top(*top, options_.container);
  }

  model::Status reload() override {
    auto st = client_->kill_container(options_.container, "HUP");
    if (!st) {
      return Error(st.error().error.kind, "cannot send SIGHUP to nginx container " +
                                              options_.container + ": " + st.error().message());
    }
    return {};
  }

 private:
  std::unique_ptr<Client> client_;
  ContainerNginxOptions options_;
};

}  // namespace

model::Result<std::vector<int>> nginx_workers_from_top(const ContainerTop& top,
                                                       const std::string& container) {
  const auto pid_col = column(top, "PID");
  const auto ppid_col = column(top, "PPID");
  auto cmd_col = column(top, "CMD");
  if (!cmd_col) cmd_col = column(top, "COMMAND");
  if (!pid_col || !ppid_col || !cmd_col) {
    return Error::terminal("the process list of container " + container +
                           " has no PID, PPID and CMD columns");
  }
  const std::size_t width = std::max({*pid_col, *ppid_col, *cmd_col}) + 1;
  std::optional<int> master;
  for (const auto& p : top.processes) {
    if (p.size() < width) continue;
    if (p[*cmd_col].rfind("nginx: master process", 0) == 0) master = to_int(p[*pid_col]);
  }
  if (!master) {
    return Error::terminal("container " + container +
                           " runs no \"nginx: master process\" (is nginx its main process?)");
  }
  std::vector<int> out;
  for (const auto& p : top.processes) {
    if (p.size() < width || to_int(p[*ppid_col]) != master) continue;
    const std::string& cmd = p[*cmd_col];
    if (cmd.rfind("nginx: worker process", 0) != 0) continue;
    if (cmd.find("shutting down") != std::string::npos) continue;
    if (auto pid = to_int(p[*pid_col])) out.push_back(*pid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

model::Result<std::unique_ptr<router::NginxControl>> make_container_nginx(
    std::unique_ptr<Client> client, ContainerNginxOptions options) {
  if (!client) return Error::terminal("nginx container: no Docker client was given");
  if (options.container.empty()) {
    return Error::terminal("nginx container is empty; it must name the proxy container");
  }
  if (options.test_command.empty()) {
    return Error::terminal("nginx container " + options.container +
                           ": the test command is empty (default: nginx -t -q)");
  }
  auto control = std::make_unique<ContainerNginx>(std::move(client), std::move(options));
  if (auto w = control->workers(); !w) return w.error();
  return std::unique_ptr<router::NginxControl>(std::move(control));
}

}  // namespace rwd::docker
