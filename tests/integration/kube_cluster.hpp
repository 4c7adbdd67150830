#pragma once
// One real Kubernetes control plane per test process (tests/k8s/cluster up:
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok with
// two fake Nodes), started on first use in a fresh /tmp/rewind-k8s-XXXXXX and
// stopped at exit. A watchdog started with it (--owner) stops it when this
// process dies any other way (SIGKILL by a ctest timeout, abort); SIGTERM and
// SIGINT stop it at once.
//
//   auto& k = rwd::testing::kube_cluster();       // throws: the test fails with the script's
//   output k.apply_crds();                               // crds/, Established std::string out;
//   EXPECT_EQ(k.kubectl({"get", "nodes"}, &out), 0) << out;
//
// The binaries come from tests/k8s/build-control-plane (tests/integration/prepare
// builds them). REWIND_K8S_KEEP=1 keeps the folder (logs/) after the run.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace rwd::testing {

struct CommandResult {
  int exit_code = -1;  // 128+signal when killed; -1: could not run
  std::string out;     // stdout
  std::string err;     // stderr
  [[nodiscard]] std::string both() const { return out + err; }
};

// Runs argv (no shell) with stdin_text on its stdin; SIGKILL after `limit`.
inline CommandResult run_command(const std::vector<std::string>& argv,
                                 const std::string& stdin_text = "",
                                 std::chrono::seconds limit = std::chrono::seconds(120)) {
  CommandResult r;
  int in[2];
  int out[2];
  int err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    r.err = "pipe failed";
    return r;
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    r.err = "fork failed";
    return r;
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::size_t written = 0;
  int in_fd = in[1];
  if (stdin_text.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool out_open = true;
  bool err_open = true;
  bool killed = false;
  char buf[16384];
  while (out_open || err_open) {
    pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                     {err_open ? err[0] : -1, POLLIN, 0},
                     {in_fd, POLLOUT, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (::poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 1000))) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      } else {
        (i == 0 ? out_open : err_open) = false;
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = ::write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 || written == stdin_text.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (killed) {
    r.err += "\n(killed after " + std::to_string(limit.count()) + "s)";
    r.exit_code = 128 + SIGKILL;
  } else {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return r;
}

class KubeCluster {
 public:
  // tests/k8s/cluster up in a new temporary folder; throws with its output.
  KubeCluster() {
    char tmpl[] = "/tmp/rewind-k8s-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    script_ = std::string(REWIND_SOURCE_DIR) + "/tests/k8s/cluster";
    install_signal_handlers();
    // The components outlive the script that starts them; as their subreaper
    // this process reaps them after `down` (PID 1 of a container may not).
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    // The first run may build the control plane (tests/integration/prepare
    // normally has): up to 9 minutes.
    const CommandResult up =
        run_command({"bash", script_, "up", dir_, "--owner", std::to_string(::getpid())}, "",
                    std::chrono::seconds(540));
    startup_log_ = up.both();
    if (up.exit_code != 0) {
      const std::string message = "tests/k8s/cluster up " + dir_ + " failed (exit " +
                                  std::to_string(up.exit_code) + "):\n" + startup_log_;
      stop();
      throw std::runtime_error(message);
    }
    try {
      read_env();
    } catch (...) {
      stop();
      throw;
    }
  }

  ~KubeCluster() { stop(); }
  KubeCluster(const KubeCluster&) = delete;
  KubeCluster& operator=(const KubeCluster&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& server() const { return server_; }  // https://127.0.0.1:PORT
  [[nodiscard]] const std::string& token() const { return token_; }    // admin, system:masters
  [[nodiscard]] const std::string& ca_file() const { return ca_file_; }
  [[nodiscard]] const std::string& kubeconfig() const { return kubeconfig_; }
  [[nodiscard]] const std::string& kubectl_path() const { return kubectl_path_; }
  [[nodiscard]] const std::string& startup_log() const { return startup_log_; }

  // kubectl --kubeconfig DIR/kubeconfig ARGS; output (when given) gets stdout
  // followed by stderr. Returns the exit code.
  int kubectl(const std::vector<std::string>& args, std::string* output,
              const std::string& stdin_text = "") const {
    const CommandResult r = run_kubectl(args, stdin_text);
    if (output != nullptr) *output = r.both();
    return r.exit_code;
  }

  // The same with stdout and stderr apart (for -o json).
  [[nodiscard]] CommandResult run_kubectl(const std::vector<std::string>& args,
                                          const std::string& stdin_text = "") const {
    std::vector<std::string> argv{kubectl_path_, "--kubeconfig", kubeconfig_, "--cache-dir",
                                  dir_ + "/kubectl-cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, stdin_text);
  }

  // kubectl apply -f crds/, then waits until both CRDs are Established.
  void apply_crds() const {
    const std::string crds = std::string(REWIND_SOURCE_DIR) + "/crds/";
    check("apply", {"apply", "-f", crds});
    wait_established();
  }

  // Waits (up to 60 s) until both CRDs are Established. kubectl wait fails
  // at once instead of waiting when it reads a CRD whose status has no
  // conditions yet ("accessor error: <nil>"), as one just applied may: that
  // answer is asked again.
  void wait_established() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      const CommandResult r = run_kubectl({"wait", "--for=condition=Established", "--timeout=60s",
                                           "crd/releases.rewind.dev", "crd/rollbacks.rewind.dev"});
      if (r.exit_code == 0) return;
      if (r.both().find("accessor error") == std::string::npos ||
          std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("kubectl wait failed (exit " + std::to_string(r.exit_code) +
                                 "):\n" + r.both());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // Stops kube-apiserver and starts it again on the same port and certificates.
  void restart_apiserver() const { script("restart-apiserver"); }
  void stop_apiserver() const { script("stop-apiserver"); }
  void start_apiserver() const { script("start-apiserver"); }

  // The log of one component (etcd, kube-apiserver, kube-controller-manager, ...).
  [[nodiscard]] std::string log(const std::string& component) const {
    std::ifstream in(dir_ + "/logs/" + component + ".log");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  void check(const std::string& what, const std::vector<std::string>& args) const {
    const CommandResult r = run_kubectl(args);
    if (r.exit_code != 0) {
      throw std::runtime_error("kubectl " + what + " failed (exit " + std::to_string(r.exit_code) +
                               "):\n" + r.both());
    }
  }

  void script(const std::string& command) const {
    const CommandResult r = run_command({"bash", script_, command, dir_});
    if (r.exit_code != 0) {
      throw std::runtime_error("tests/k8s/cluster " + command + " failed:\n" + r.both() +
                               "\nkube-apiserver log:\n" + tail(log("kube-apiserver")));
    }
  }

  static std::string tail(const std::string& text, std::size_t bytes = 4000) {
    return text.size() <= bytes ? text : text.substr(text.size() - bytes);
  }

  void read_env() {
    std::ifstream in(dir_ + "/env");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("export ", 0) == 0) line.erase(0, 7);
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string value;
      for (std::size_t i = eq + 1; i < line.size(); ++i) {  // undo printf %q's backslashes
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        value += line[i];
      }
      const std::string key = line.substr(0, eq);
      if (key == "KUBE_SERVER") server_ = value;
      if (key == "KUBE_TOKEN") token_ = value;
      if (key == "KUBE_CA") ca_file_ = value;
      if (key == "KUBECONFIG") kubeconfig_ = value;
      if (key == "KUBECTL") kubectl_path_ = value;
    }
    if (server_.empty() || token_.empty() || kubectl_path_.empty()) {
      throw std::runtime_error("tests/k8s/cluster up wrote no usable " + dir_ + "/env");
    }
  }

  void stop() {
    if (dir_.empty()) return;
    run_command({"bash", script_, "down", dir_});
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    const char* keep = std::getenv("REWIND_K8S_KEEP");
    if (keep == nullptr || std::string(keep) != "1") {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    dir_.clear();
  }

  // SIGTERM/SIGINT: `cluster down` (fork and execve only: async-signal-safe),
  // then die of the signal as before.
  void install_signal_handlers() {
    static std::string bash = "/bin/bash";
    static std::string script;
    static std::string down = "down";
    static std::string dir;
    static char* argv[5];
    script = script_;
    dir = dir_;
    argv[0] = bash.data();
    argv[1] = script.data();
    argv[2] = down.data();
    argv[3] = dir.data();
    argv[4] = nullptr;
    struct sigaction sa {};
    sa.sa_handler = [](int sig) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::execv(argv[0], argv);
        ::_exit(127);
      }
      if (pid > 0) ::waitpid(pid, nullptr, 0);
      ::signal(sig, SIG_DFL);
      ::raise(sig);
    };
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
  }

  std::string dir_;
  std::string script_;
  std::string server_;
  std::string token_;
  std::string ca_file_;
  std::string kubeconfig_;
  std::string kubectl_path_;
  std::string startup_log_;
};

// The process's cluster, started on first use. When it could not start, every
// call throws the same error (the tests fail with the script's output; a
// cluster is not attempted again).
inline KubeCluster& kube_cluster() {
  static std::unique_ptr<KubeCluster> cluster;
  static std::string error;
  if (!cluster) {
    if (!error.empty()) throw std::runtime_error(error);
    try {
      cluster = std::make_unique<KubeCluster>();
    } catch (const std::exception& e) {
      error = e.what();
      throw;
    }
  }
  return *cluster;
}

}  // namespace rwd::testing
