#pragma once
// The real `rewind controller` binary as a child process against the test
// cluster (kube_cluster.hpp), and the Release/Deployment objects the tests
// apply with kubectl.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube_test_util.hpp"
#include "watcher_process.hpp"

namespace rwd::kube_itest {

using rwd::itest::eventually;

class ControllerProcess {
 public:
  // `env`: variables set (or replaced) in the controller's environment, the
  // test's own passed on otherwise (REWIND_TEST_KILL_AT for the crash tests).
  ControllerProcess(const KubeCluster& k, const std::string& log, const std::string& identity,
                    std::vector<std::string> more = {},
                    const std::vector<std::pair<std::string, std::string>>& env = {})
      : log_(log) {
    const std::string bin = std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind";
    std::vector<std::string> args{bin,        "controller",  "--kubeconfig", k.kubeconfig(),
                                  "--listen", "127.0.0.1:0", "--identity",   identity};
    // The tests' resync is 2s unless `more` gives one.
    if (std::find(more.begin(), more.end(), "--resync") == more.end()) {
      args.insert(args.end(), {"--resync", "2s"});
    }
    args.insert(args.end(), more.begin(), more.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Everything the child needs is built before fork(): it only execs.
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      const std::string key = entry.substr(0, entry.find('='));
      if (std::none_of(env.begin(), env.end(), [&](const auto& kv) { return kv.first == key; })) {
        environment.push_back(entry);
      }
    }
    for (const auto& [key, value] : env) environment.push_back(key + "=" + value);
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
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
  ~ControllerProcess() { stop(SIGKILL); }
  ControllerProcess(const ControllerProcess&) = delete;
  ControllerProcess& operator=(const ControllerProcess&) = delete;

  // Sends `signo` and waits: the exit code, or 128 + the signal.
  int stop(int signo = SIGTERM) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signo);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  [[nodiscard]] bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  // Waits up to `limit` for the process to end on its own: its raw wait
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
  [[nodiscard]] std::string log() const { return read_text(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// A Deployment of `replicas` pods of rewind-demo (kwok runs no image; the
// name only has to be valid), with a container "app".
inline Json deployment_json(const std::string& ns, const std::string& name,
                            const std::string& image, int replicas = 2) {
  return Json{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"spec",
       {{"replicas", replicas},
        {"progressDeadlineSeconds", 60},
        {"selector", {{"matchLabels", {{"app", name}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", name}}}}},
          {"spec",
           {{"containers",
             Json::array({Json{
                 {"name", "app"},
                 {"image", image},
                 {"env", Json::array({Json{{"name", "KEEP"}, {"value", "operator"}}})}}})}}}}}}}};
}

inline Json release_json(const std::string& ns, const std::string& name, const std::string& image,
                         const std::string& log_level = "info") {
  return Json{{"apiVersion", "rewind.dev/v1alpha1"},
              {"kind", "Release"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec",
               {{"target", {{"kubernetes", {{"deployment", name}, {"container", "app"}}}}},
                {"image", image},
                {"config", {{"env", {{"LOG_LEVEL", log_level}}}}},
                {"strategy", {{"type", "Recreate"}}},
                {"rollbackPolicy", {{"progressDeadline", "2m"}}}}}};
}

inline void kubectl_apply(const KubeCluster& k, const Json& object) {
  std::string out;
  ASSERT_EQ(k.kubectl({"apply", "-f", "-"}, &out, object.dump()), 0) << out;
}

// The Deployment's pod-template container "app" image ("" when unreadable).
inline std::string deployment_image(const KubeCluster& k, const std::string& ns,
                                    const std::string& name) {
  const CommandResult r = k.run_kubectl({"get", "deployment", name, "-n", ns, "-o",
                                         "jsonpath={.spec.template.spec.containers[0].image}"});
  return r.exit_code == 0 ? r.out : "";
}

inline Json get_object(const KubeCluster& k, const std::string& kind, const std::string& ns,
                       const std::string& name) {
  const CommandResult r = k.run_kubectl({"get", kind, name, "-n", ns, "-o", "json"});
  if (r.exit_code != 0) return Json();
  Json j = Json::parse(r.out, nullptr, false);
  return j.is_discarded() ? Json() : j;
}

// The status condition `type` of an object ("" when absent).
inline std::string condition(const Json& object, const std::string& type,
                             std::string* reason = nullptr) {
  if (!object.is_object() || !object.contains("status")) return "";
  for (const auto& c : object["status"].value("conditions", Json::array())) {
    if (c.value("type", "") == type) {
      if (reason != nullptr) *reason = c.value("reason", "");
      return c.value("status", "");
    }
  }
  return "";
}

// The Deployment `name` runs `image` and its Release `name` is Ready at revision `rev`.
inline bool release_ready_at(const KubeCluster& k, const std::string& ns, const std::string& image,
                             std::int64_t rev, const std::string& name = "api") {
  const Json r = get_object(k, "release", ns, name);
  return deployment_image(k, ns, name) == image && condition(r, "Ready") == "True" &&
         r.contains("status") && r["status"].value("currentRevision", 0) == rev;
}

// kubectl apply of a Release, then until its Deployment runs spec.image and
// the Release is Ready at revision `rev`; the Release's JSON when not in time.
inline ::testing::AssertionResult apply_until_ready(
    const KubeCluster& k, const Json& release, std::int64_t rev,
    std::chrono::seconds limit = std::chrono::seconds(90)) {
  const std::string ns = release["metadata"]["namespace"];
  const std::string name = release["metadata"]["name"];
  const std::string image = release["spec"]["image"];
  std::string out;
  if (k.kubectl({"apply", "-f", "-"}, &out, release.dump()) != 0) {
    return ::testing::AssertionFailure() << "kubectl apply: " << out;
  }
  if (eventually([&] { return release_ready_at(k, ns, image, rev, name); }, limit)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << name << " not ready at revision " << rev << " (" << image << "):\n"
         << get_object(k, "release", ns, name).dump(2);
}

inline Json rollback_json(const std::string& ns, const std::string& name,
                          const std::string& release, const std::string& to = "previous") {
  return Json{{"apiVersion", "rewind.dev/v1alpha1"},
              {"kind", "Rollback"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec", {{"releaseRef", {{"name", release}}}, {"to", to}}}};
}

// The Rollback's status.phase ("" while it has none, or when it is gone).
inline std::string rollback_phase(const KubeCluster& k, const std::string& ns,
                                  const std::string& name) {
  const Json rb = get_object(k, "rollback", ns, name);
  return rb.is_object() && rb.contains("status") ? rb["status"].value("phase", "") : "";
}

}  // namespace rwd::kube_itest
