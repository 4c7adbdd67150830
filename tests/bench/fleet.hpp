#pragma once
// A fleet of Release files for figures 4 and 5: `count` Releases that all
// target one running compose container with the image it runs, so that each
// adopts it as its revision 1 and then has nothing left to do (10,000
// containers do not fit on one test machine). That steady state is what
// those figures measure from.

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "compose_service.hpp"
#include "docker_env.hpp"

namespace rwd::bench {

struct Fleet {
  std::filesystem::path root;  // releases/, state/
  std::string project;         // the compose project of the one container
  int count = 0;

  [[nodiscard]] std::filesystem::path releases() const { return root / "releases"; }
  [[nodiscard]] std::filesystem::path state() const { return root / "state"; }
  [[nodiscard]] std::filesystem::path file(int i) const {
    return releases() / ("svc-" + std::to_string(i) + ".yaml");
  }

  // Release svc-<i>; `labels` (a YAML flow map) makes a change that is not a
  // deployment.
  void write(int i, const std::string& labels = "") const {
    const auto path = file(i);
    const auto tmp = releases() / (".svc-" + std::to_string(i) + ".tmp");
    {
      std::ofstream out(tmp);
      out << "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
             "metadata: {name: svc-"
          << i << ", namespace: bench" << (labels.empty() ? "" : ", labels: " + labels) << "}\n"
          << "spec:\n  target: {docker: {project: " << project
          << ", service: api}}\n  image: rewind-demo:v1\n";
    }
    std::filesystem::rename(tmp, path);  // as an editor or a checkout replaces a file
  }

  // Releases whose status says Healthy at stable revision 1, no plan in flight.
  [[nodiscard]] int stable() const {
    int n = 0;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(state() / "status" / "bench" / "releases", ec)) {
      const auto j =
          nlohmann::json::parse(itest::ComposeService::read_text(e.path()), nullptr, false);
      if (j.is_object() && j.contains("status") && j["status"].value("phase", "") == "Healthy" &&
          j["status"].value("stableRevision", 0) == 1 && !j["status"].contains("progress")) {
        ++n;
      }
    }
    return n;
  }
};

// Creates the container and the `count` files under a new temporary root.
// The container is removed by the caller's itest::DockerCleanup.
inline Fleet make_fleet(const std::string& name, int count) {
  Fleet f;
  f.root = std::filesystem::temp_directory_path() / itest::unique_name(name);
  f.project = itest::unique_name(name);
  f.count = count;
  std::filesystem::create_directories(f.releases());
  std::filesystem::create_directories(f.state());
  const auto up =
      itest::run_command("docker run -d --name " + f.project + "_api_1 " + itest::label_args() +
                         " --label com.docker.compose.project=" + f.project +
                         " --label com.docker.compose.service=api rewind-demo:v1");
  if (up.exit_code != 0) throw std::runtime_error("docker run: " + up.output);
  for (int i = 0; i < count; ++i) f.write(i);
  return f;
}

// REWIND_BENCH_RELEASES, else 10,000.
inline int fleet_size() {
  const char* v = std::getenv("REWIND_BENCH_RELEASES");
  return v != nullptr && *v != '\0' ? std::max(1, std::atoi(v)) : 10000;
}

// The watcher's HTTP port from its log ("HTTP on 127.0.0.1:PORT"); 0 until it is there.
inline int http_port_in_log(const std::filesystem::path& log) {
  const std::string text = itest::ComposeService::read_text(log);
  const auto at = text.find("HTTP on 127.0.0.1:");
  if (at == std::string::npos) return 0;
  return std::atoi(text.c_str() + at + 18);
}

}  // namespace rwd::bench
