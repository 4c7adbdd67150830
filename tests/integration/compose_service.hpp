#pragma once
// A compose-style service on the real Docker Engine — what `docker compose
// up -d api` makes: the compose labels, the name <project>_api_1, a
// published port — and the outside view the end-to-end tests assert on: the
// service's containers as the Engine API inspects them, what the service
// answers on /version, and the state files `rewind watch` writes.
//
//   ComposeService svc("crash");                  // project rwdit-<pid>-<rand>-crash1
//   ASSERT_TRUE(svc.up("rewind-demo:v1"));
//   svc.write_release("rewind-demo:v2", extra_spec_yaml);
//   svc.containers();      // Engine API inspect documents, running or not
//   svc.served_version();  // "v2"
//
// Containers carry the test label (docker_env.hpp), so DockerCleanup
// removes them.

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "docker_env.hpp"

namespace rwd::itest {

class ComposeService {
 public:
  // `area` names the test in the project name; each instance gets its own.
  explicit ComposeService(const std::string& area)
      : project_(unique_name(area + std::to_string(next_index()))),
        root_(std::filesystem::temp_directory_path() / project_) {
    std::filesystem::create_directories(root_ / "releases");
    std::filesystem::create_directories(root_ / "state");
  }
  ~ComposeService() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  ComposeService(const ComposeService&) = delete;
  ComposeService& operator=(const ComposeService&) = delete;

  [[nodiscard]] const std::string& project() const { return project_; }
  [[nodiscard]] std::string container_name() const { return project_ + "_api_1"; }
  [[nodiscard]] std::filesystem::path releases() const { return root_ / "releases"; }
  [[nodiscard]] std::filesystem::path state() const { return root_ / "state"; }
  [[nodiscard]] std::filesystem::path log(const std::string& run) const {
    return root_ / ("watch-" + run + ".log");
  }

  // The compose labels for `docker run`.
  [[nodiscard]] std::string compose_labels() const {
    return label_args() + " --label com.docker.compose.project=" + project_ +
           " --label com.docker.compose.service=api"
           " --label com.docker.compose.container-number=1";
  }

  // `docker compose up -d api` with the image and a published port 8080.
  ::testing::AssertionResult up(const std::string& image, const std::string& extra = "") {
    const CommandResult r =
        run_command("docker run -d --name " + container_name() + " " + compose_labels() +
                    " -p 127.0.0.1::8080 " + extra + " " + image);
    if (r.exit_code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "docker run failed: " << r.output;
  }

  // Writes releases/api.yaml as editors and git do (temp file, rename).
  // `extra`: more lines of spec, each indented by two spaces.
  void write_release(const std::string& image, const std::string& extra = "") const {
    const auto tmp = root_ / "releases" / ".api.yaml.tmp";
    std::ofstream(tmp) << "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
                          "metadata: {name: api, namespace: it}\n"
                          "spec:\n"
                          "  target: {docker: {project: "
                       << project_
                       << ", service: api}}\n"
                          "  image: "
                       << image << "\n"
                       << extra;
    std::filesystem::rename(tmp, root_ / "releases" / "api.yaml");
  }

  // Inspect documents of the service's containers, running or not.
  [[nodiscard]] std::vector<nlohmann::json> containers() const {
    const nlohmann::json filters = {
        {"label", {"com.docker.compose.project=" + project_, "com.docker.compose.service=api"}}};
    const HttpResponse list =
        docker_api("GET", "/containers/json?all=1&filters=" + url_encode(filters.dump()));
    std::vector<nlohmann::json> out;
    const auto summaries = nlohmann::json::parse(list.body, nullptr, false);
    if (list.status != 200 || !summaries.is_array()) return out;
    for (const auto& s : summaries) {
      const HttpResponse c = docker_api("GET", "/containers/" + s.value("Id", "") + "/json");
      auto doc = nlohmann::json::parse(c.body, nullptr, false);
      if (c.status == 200 && doc.is_object()) out.push_back(std::move(doc));
    }
    return out;
  }
  [[nodiscard]] std::vector<nlohmann::json> running() const {
    std::vector<nlohmann::json> out;
    for (auto& c : containers()) {
      if (c["State"].value("Running", false)) out.push_back(std::move(c));
    }
    return out;
  }

  // What the one running container answers on /version through its
  // published port; "" when none or several run, or it does not answer.
  [[nodiscard]] std::string served_version() const {
    const auto up = running();
    if (up.size() != 1) return "";
    const auto& bindings = up[0]["NetworkSettings"]["Ports"]["8080/tcp"];
    if (!bindings.is_array() || bindings.empty()) return "";
    const std::string port = bindings[0].value("HostPort", "");
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) return "";
    const HttpResponse r = http_get(std::stoi(port), "/version");
    return r.status == 200 ? trimmed(r.body) : "";
  }

  [[nodiscard]] nlohmann::json status() const {
    return read_json(root_ / "state" / "status" / "it" / "releases" / "api.json");
  }
  [[nodiscard]] nlohmann::json history() const {
    return read_json(root_ / "state" / "history" / "it" / "api.json");
  }
  // Stable at `revision` with no plan in flight.
  [[nodiscard]] bool stable_at(int revision) const {
    const auto s = status();
    return s.contains("status") && s["status"].value("stableRevision", 0) == revision &&
           s["status"].value("currentRevision", 0) == revision && !s["status"].contains("progress");
  }
  // The outcome of each revision in history, in order.
  [[nodiscard]] std::vector<std::string> outcomes() const {
    std::vector<std::string> out;
    const auto h = history();
    if (!h.contains("revisions")) return out;
    for (const auto& r : h["revisions"]) out.push_back(r.value("outcome", ""));
    return out;
  }

  [[nodiscard]] static std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // What the service looks like, for failure messages.
  [[nodiscard]] std::string describe() const {
    std::string out = "containers:\n";
    for (const auto& c : containers()) {
      out += "  " + c.value("Name", "") + " " + c["Config"].value("Image", "") +
             (c["State"].value("Running", false) ? " running\n" : " stopped\n");
    }
    return out + "status: " + status().dump(2) +
           "\nhistory outcomes:" + nlohmann::json(outcomes()).dump() + "\n";
  }

 private:
  static nlohmann::json read_json(const std::filesystem::path& p) {
    auto j = nlohmann::json::parse(read_text(p), nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
  }
  static std::string url_encode(const std::string& s) {
    std::string out;
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
        out += c;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned>(u));
        out += buf;
      }
    }
    return out;
  }

  static int next_index() {
    static int n = 0;
    return ++n;
  }

  std::string project_;
  std::filesystem::path root_;
};

}  // namespace rwd::itest
