#pragma once
// A private Prometheus for one test: Debian's /usr/bin/prometheus on a free
// 127.0.0.1 port, its own temporary TSDB and a config that scrapes the given
// targets every second, each with its own labels — or, with DockerScrape,
// the containers of a compose project found through the Docker Engine
// (docker_sd), as an operator would set it up for rewind. Ready once
// /-/ready answers 200; stopped and removed by the destructor.

#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "rewind/http/client.hpp"
#include "rewind/http/endpoint.hpp"

#include "process.hpp"

namespace rwd::itest {

struct ScrapeTarget {
  std::string address;                        // host:port serving /metrics
  std::map<std::string, std::string> labels;  // added to every series of the target
};

// Every container of `project` that publishes `port` on the host, scraped
// there, with label revision = its rewind.dev/revision label.
struct DockerScrape {
  std::string project;
  int port = 8080;
};

class PrometheusServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/prometheus";

  explicit PrometheusServer(const std::vector<ScrapeTarget>& targets) {
    start([&] { write_config(targets); });
  }
  explicit PrometheusServer(const DockerScrape& docker) {
    start([&] { write_docker_config(docker); });
  }

  ~PrometheusServer() {
    process_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string address() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string log() const { return process_ ? process_->log() : std::string(); }

  // Stops the server early (the "Prometheus went away" case).
  void stop() {
    if (process_) process_->stop();
  }

 private:
  template <class WriteConfig>
  void start(WriteConfig write) {
    if (!std::filesystem::exists(kBinary)) {
      throw std::runtime_error(std::string(kBinary) +
                               " is missing: run scripts/setup (it installs Debian's prometheus)");
    }
    char tmpl[] = "/tmp/rewind-prom-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    write();
    port_ = free_loopback_port();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{kBinary, "--config.file=" + dir_ + "/prometheus.yml",
                                 "--storage.tsdb.path=" + dir_ + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--log.level=warn"},
        std::map<std::string, std::string>{}, dir_ + "/prometheus.log");
    wait_ready();
  }

  void write_docker_config(const DockerScrape& d) const {
    std::ofstream out(dir_ + "/prometheus.yml");
    out << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: compose\n    docker_sd_configs:\n"
        << "      - host: unix:///var/run/docker.sock\n        refresh_interval: 1s\n"
        << "        filters:\n          - name: label\n"
        << "            values: ['com.docker.compose.project=" << d.project << "']\n"
        << "    relabel_configs:\n"
        << "      - source_labels: [__meta_docker_port_private]\n"
        << "        regex: '" << d.port << "'\n        action: keep\n"
        << "      - source_labels: [__meta_docker_port_public]\n"
        << "        regex: '(.+)'\n        target_label: __address__\n"
        << "        replacement: '127.0.0.1:$1'\n"
        << "      - source_labels: [__meta_docker_container_label_rewind_dev_revision]\n"
        << "        target_label: revision\n";
  }

  void write_config(const std::vector<ScrapeTarget>& targets) const {
    std::ofstream out(dir_ + "/prometheus.yml");
    out << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: demo\n    static_configs:\n";
    if (targets.empty()) out << "      []\n";
    for (const auto& t : targets) {
      out << "      - targets: ['" << t.address << "']\n";
      if (!t.labels.empty()) {
        out << "        labels:\n";
        for (const auto& [k, v] : t.labels) out << "          " << k << ": '" << v << "'\n";
      }
    }
  }

  void wait_ready() {
    auto endpoint = http::parse_endpoint(address());
    if (!endpoint) throw std::runtime_error(endpoint.error().message);
    auto client = http::make_client(*endpoint);
    if (!client) throw std::runtime_error(client.error().message);
    http::ClientRequest req;
    req.target = "/-/ready";
    const bool ready = poll_until(std::chrono::seconds(30), [&] {
      if (!process_->running()) return true;
      auto r = (*client)->request(req, std::chrono::seconds(1));
      return r && r->status == 200;
    });
    if (!ready || !process_->running()) {
      throw std::runtime_error("prometheus on port " + std::to_string(port_) +
                               " did not become ready:\n" + process_->log());
    }
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace rwd::itest
