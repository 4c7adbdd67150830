#pragma once
// A compose-style service on a PrivateEngine — what `docker compose up -d
// api` makes with `network_mode: host`: the compose labels, the name
// <project>_api_1, the demo app listening on 127.0.0.1:<a free port> — and
// the outside view the tests assert on (as compose_service.hpp gives for the
// machine's Engine): the service's containers as the Engine inspects them,
// what the service answers on /version, the state files `rewind watch`
// writes.
//
//   PrivateEngine engine;
//   EngineService svc(engine, "restart");
//   ASSERT_TRUE(svc.up("rewind-demo:v1"));
//   svc.write_release("rewind-demo:v2", svc.health_check(3));
//   svc.served_version();  // "v2"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "docker_env.hpp"
#include "loopback.hpp"
#include "private_engine.hpp"

namespace rwd::itest {

class EngineService {
 public:
  EngineService(const PrivateEngine& engine, const std::string& area)
      : engine_(engine),
        project_(unique_name(area)),
        root_(std::filesystem::temp_directory_path() / project_),
        port_(free_loopback_port()) {
    std::filesystem::create_directories(root_ / "releases");
    std::filesystem::create_directories(root_ / "state");
  }
  ~EngineService() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  EngineService(const EngineService&) = delete;
  EngineService& operator=(const EngineService&) = delete;

  [[nodiscard]] const std::string& project() const { return project_; }
  [[nodiscard]] std::string container_name() const { return project_ + "_api_1"; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::filesystem::path releases() const { return root_ / "releases"; }
  [[nodiscard]] std::filesystem::path state() const { return root_ / "state"; }
  [[nodiscard]] std::filesystem::path log(const std::string& run) const {
    return root_ / ("watch-" + run + ".log");
  }

  // `docker compose up -d api`: created and started through the Engine API,
  // on the host's network stack, the app on port(); `restart` is compose's
  // `restart:` ("" for none, "always", "unless-stopped").
  ::testing::AssertionResult up(const std::string& image, const std::string& restart = "") const {
    const nlohmann::json body = {
        {"Image", image},
        {"Env", {"DEMO_PORT=" + std::to_string(port_)}},
        {"Labels",
         {{kTestLabel, test_prefix()},
          {"com.docker.compose.project", project_},
          {"com.docker.compose.service", "api"},
          {"com.docker.compose.container-number", "1"}}},
        {"HostConfig",
         {{"NetworkMode", "host"},
          {"RestartPolicy", {{"Name", restart.empty() ? "no" : restart}}}}}};
    const HttpResponse created =
        engine_.api("POST", "/containers/create?name=" + container_name(), body.dump());
    if (created.status != 201) {
      return ::testing::AssertionFailure()
             << "create " << container_name() << ": " << created.status << " " << created.body
             << created.error;
    }
    const std::string id = nlohmann::json::parse(created.body).value("Id", "");
    const HttpResponse started = engine_.api("POST", "/containers/" + id + "/start");
    if (started.status != 204) {
      return ::testing::AssertionFailure()
             << "start " << container_name() << ": " << started.status << " " << started.body;
    }
    return ::testing::AssertionSuccess();
  }

  // spec.healthCheck over HTTP on the app's port (host networking: 127.0.0.1).
  [[nodiscard]] std::string health_check(int success_threshold = 1) const {
    return "  healthCheck: {http: {path: /health, port: " + std::to_string(port_) +
           "}, interval: 1s, timeout: 1s, successThreshold: " + std::to_string(success_threshold) +
           ", failureThreshold: 3}\n"
           "  rollbackPolicy: {progressDeadline: 1m}\n";
  }

  // Writes releases/api.yaml as editors and git do (temp file, rename).
  void write_release(const std::string& image, const std::string& extra) const {
    const auto tmp = root_ / "releases" / ".api.yaml.tmp";
    std::ofstream(tmp) << "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
                          "metadata: {name: api, namespace: it}\n"
                          "spec:\n"
                          "  target: {docker: {project: "
                       << project_ << ", service: api}}\n  image: " << image << "\n"
                       << extra;
    std::filesystem::rename(tmp, root_ / "releases" / "api.yaml");
  }

  // Inspect documents of the service's containers, running or not ([] when
  // the Engine does not answer).
  [[nodiscard]] std::vector<nlohmann::json> containers() const {
    std::vector<nlohmann::json> out;
    const HttpResponse list = engine_.api("GET", "/containers/json?all=1");
    const auto summaries = nlohmann::json::parse(list.body, nullptr, false);
    if (list.status != 200 || !summaries.is_array()) return out;
    for (const auto& s : summaries) {
      const auto& labels = s["Labels"];
      if (!labels.is_object() || labels.value("com.docker.compose.project", "") != project_ ||
          labels.value("com.docker.compose.service", "") != "api") {
        continue;
      }
      const HttpResponse c = engine_.api("GET", "/containers/" + s.value("Id", "") + "/json");
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

  // What the app answers on /version ("" when nothing answers).
  [[nodiscard]] std::string served_version() const {
    const HttpResponse r = http_get(port_, "/version");
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
    return out + "version answered: \"" + served_version() + "\"\nstatus: " + status().dump(2) +
           "\nhistory outcomes: " + nlohmann::json(outcomes()).dump() + "\n";
  }

 private:
  static nlohmann::json read_json(const std::filesystem::path& p) {
    auto j = nlohmann::json::parse(read_text(p), nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
  }

  const PrivateEngine& engine_;
  std::string project_;
  std::filesystem::path root_;
  int port_;
};

}  // namespace rwd::itest
