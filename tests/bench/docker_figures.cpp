// Figures 1, 2, 3 and 5 of the benchmarks (README "Benchmarks"): rewind
// against the real Docker Engine, nginx and the demo app, each next to the
// floor measured in the same run where there is one. Run by scripts/bench;
// not part of the test suite (a benchmark never fails it): the GoogleTest
// harness only gives the figures the integration tests' fixtures, and an
// ASSERT here means the figure could not be measured.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "rewind/model/time.hpp"

#include "bench_util.hpp"
#include "compose_service.hpp"
#include "docker_env.hpp"
#include "fleet.hpp"
#include "traffic/fixture.hpp"
#include "watcher_process.hpp"

namespace rwd::bench {
namespace {

using namespace std::chrono_literals;
using itest::ComposeService;
using itest::docker_api;
using itest::eventually;
using itest::http_get;
using itest::run_command;
using itest::trimmed;
using itest::Watcher;
using itest::WatcherOptions;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string version_at(int port) {
  const auto r = http_get(port, "/version");
  return r.status == 200 ? trimmed(r.body) : "";
}

// Polls /version every 2 ms until it says `want`; the ms since t0, or -1.
double until_version(int port, const std::string& want, SteadyClock::time_point t0,
                     std::chrono::seconds limit = 60s) {
  const auto end = SteadyClock::now() + limit;
  while (SteadyClock::now() < end) {
    if (version_at(port) == want) return ms_since(t0);
    std::this_thread::sleep_for(2ms);
  }
  return -1;
}

// The watcher is done with the Release: one container serving `version`,
// no plan in flight.
bool settled(const ComposeService& svc, int port, const std::string& version) {
  const auto s = svc.status();
  return version_at(port) == version && s.contains("status") && !s["status"].contains("progress") &&
         svc.containers().size() == 1;
}

// ---- figure 1: revert to serving -------------------------------------------

const std::string kRecreateSpec =
    "  healthCheck: {http: {path: /health, port: 8080}, interval: 100ms, timeout: 1s}\n";

// The floor: the same recreate by direct Engine API calls, no controller.
double recreate_by_hand(const std::string& from, const std::string& to, const std::string& image,
                        int port) {
  const nlohmann::json body = {
      {"Image", image},
      {"Labels", {{itest::kTestLabel, itest::test_prefix()}}},
      {"ExposedPorts", {{"8080/tcp", nlohmann::json::object()}}},
      {"HostConfig",
       {{"PortBindings",
         {{"8080/tcp", nlohmann::json::array(
                           {{{"HostIp", "127.0.0.1"}, {"HostPort", std::to_string(port)}}})}}}}}};
  const auto t0 = SteadyClock::now();
  if (docker_api("GET", "/containers/" + from + "/json").status != 200) return -1;
  if (docker_api("POST", "/containers/create?name=" + to, body.dump()).status != 201) return -1;
  if (docker_api("POST", "/containers/" + from + "/stop?t=10").status / 100 != 2) return -1;
  if (docker_api("POST", "/containers/" + to + "/start").status / 100 != 2) return -1;
  const double took = until_version(port, image.substr(image.find(':') + 1), t0);
  docker_api("DELETE", "/containers/" + from + "?force=1");
  return took;
}

TEST(Figure1, RevertToServingDocker) {
  ASSERT_TRUE(itest::docker_answers());
  ASSERT_TRUE(itest::ensure_demo_images());
  itest::DockerCleanup cleanup;
  ComposeService svc("bench-revert");
  const int port = free_port();
  const auto up =
      run_command("docker run -d --name " + svc.container_name() + " " + svc.compose_labels() +
                  " -p 127.0.0.1:" + std::to_string(port) + ":8080 rewind-demo:v1");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  svc.write_release("rewind-demo:v1", kRecreateSpec);
  WatcherOptions o;
  o.resync = "10m";
  Watcher w(svc.releases(), svc.state(), svc.log("bench"), o);
  ASSERT_TRUE(eventually([&] { return settled(svc, port, "v1"); }, 60s)) << svc.describe();

  Samples rewind_ms;
  const int n = runs(5);
  for (int i = 0; i < n; ++i) {
    svc.write_release("rewind-demo:v2", kRecreateSpec);
    ASSERT_TRUE(eventually([&] { return settled(svc, port, "v2"); }, 60s, 20ms)) << svc.describe();
    const auto t0 = SteadyClock::now();
    svc.write_release("rewind-demo:v1", kRecreateSpec);  // the revert
    const double took = until_version(port, "v1", t0);
    ASSERT_GE(took, 0) << svc.describe();
    rewind_ms.add(took);
    ASSERT_TRUE(eventually([&] { return settled(svc, port, "v1"); }, 60s, 20ms)) << svc.describe();
  }
  w.stop();
  keep_log(svc.log("bench").string(), "figure-1-watch.log");

  Samples floor_ms;
  const std::string a = svc.project() + "-floor-a";
  const std::string b = svc.project() + "-floor-b";
  const int floor_port = free_port();
  const auto floor_up =
      run_command("docker run -d --name " + a + " " + itest::label_args() +
                  " -p 127.0.0.1:" + std::to_string(floor_port) + ":8080 rewind-demo:v2");
  ASSERT_EQ(floor_up.exit_code, 0) << floor_up.output;
  ASSERT_GE(until_version(floor_port, "v2", SteadyClock::now()), 0);
  for (int i = 0; i < n; ++i) {
    const double took = recreate_by_hand(a, b, "rewind-demo:v1", floor_port);
    ASSERT_GE(took, 0);
    floor_ms.add(took);
    ASSERT_GE(recreate_by_hand(b, a, "rewind-demo:v2", floor_port), 0);
  }
  summary("revert_to_serving_docker", rewind_ms, "ms",
          "Release file written back to v1 -> v1 answers /version (Recreate, health every 100ms)");
  summary(
      "revert_to_serving_docker_floor", floor_ms, "ms",
      "the same recreate by direct Engine API calls: inspect, create, stop, start, first answer");
  line("revert_to_serving_docker_ratio", rewind_ms.median() / floor_ms.median(), "x", "goal <= 1.2",
       2);
}

// ---- figure 2: switchback --------------------------------------------------

// POST to the watcher's API with a bearer token; the HTTP status (0: none).
int post(const std::string& url, const std::string& path, const std::string& token) {
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  return itest::http_request(port, "POST", path, "Authorization: Bearer " + token + "\r\n").status;
}

class Figure2 : public itest::TrafficTest {
 protected:
  Figure2() : TrafficTest("bench-switchback") {}
};

TEST_F(Figure2, SwitchbackBlueGreen) {
  const std::string token_file = svc_->state().string() + "/../token";
  std::ofstream(token_file) << "bench-token\n";
  const std::string strategy = "  strategy: {type: BlueGreen, blueGreen: {scaleDownDelay: 10m}}\n";
  write_release("rewind-demo:v1", strategy);
  start_watcher({"--token-file", token_file});
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); }, 60s)) << svc_->describe();
  ASSERT_TRUE(eventually([&] { return !api_url().empty(); }, 10s));
  client_ = std::make_unique<itest::Client>(nginx_.port());
  Samples switchback_ms;
  const int n = runs(5);
  for (int i = 0; i < n; ++i) {
    // A new v2 each time (an aborted revision is not tried again).
    write_release("rewind-demo:v2",
                  strategy + "  config: {env: {BENCH_RUN: \"" + std::to_string(i) + "\"}}\n");
    ASSERT_TRUE(
        eventually([&] { return client_->last() == "v2" && running_names().size() == 2; }, 60s))
        << svc_->describe();
    std::this_thread::sleep_for(300ms);
    const auto t0 = itest::Clock::now();
    ASSERT_EQ(post(api_url(), "/api/v1/releases/it/api/abort", "bench-token"), 202)
        << "abort refused";
    ASSERT_TRUE(eventually([&] { return client_->last() == "v1"; }, 30s)) << svc_->describe();
    std::this_thread::sleep_for(1s);  // answers after the switch
    // From the abort to the first v1 answer after the last v2 answer.
    const auto answers = client_->answers();
    std::optional<itest::Clock::time_point> only_v1_from;
    for (const auto& a : answers) {
      if (a.at < t0) continue;
      if (a.body == "v2") only_v1_from.reset();
      if (a.body == "v1" && !only_v1_from) only_v1_from = a.at;
    }
    ASSERT_TRUE(only_v1_from.has_value());
    switchback_ms.add(std::chrono::duration<double, std::milli>(*only_v1_from - t0).count());
    // The aborted color stays up, out of traffic, until the next run's v2
    // replaces it.
  }
  keep_log(svc_->log(std::to_string(runs_)).string(), "figure-2-watch.log");
  summary("switchback_bluegreen", switchback_ms, "ms",
          "rewind abort (HTTP) -> nginx serves only the old color, seen by a client polling "
          "/version through nginx every 3 ms; goal <= 100");
}

// ---- figure 3: detection ---------------------------------------------------

TEST(Figure3, DetectionOfFailedHealth) {
  ASSERT_TRUE(itest::docker_answers());
  ASSERT_TRUE(itest::ensure_demo_images());
  itest::DockerCleanup cleanup;
  ComposeService svc("bench-detect");
  const int port = free_port();
  const auto up =
      run_command("docker run -d --name " + svc.container_name() + " " + svc.compose_labels() +
                  " -p 127.0.0.1:" + std::to_string(port) + ":8080 rewind-demo:v1");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  const std::string spec =
      "  healthCheck: {http: {path: /health, port: 8080}, interval: 1s, timeout: 1s, "
      "failureThreshold: 3}\n"
      "  rollbackPolicy: {automatic: true, progressDeadline: 5m}\n";
  svc.write_release("rewind-demo:v1", spec);
  WatcherOptions o;
  o.resync = "10m";
  Watcher w(svc.releases(), svc.state(), svc.log("bench"), o);
  ASSERT_TRUE(eventually([&] { return settled(svc, port, "v1"); }, 60s)) << svc.describe();
  Samples detect_ms;
  const int n = runs(3);
  for (int i = 0; i < n; ++i) {
    // v2 answers /health with 503 from its start: the health gate fails
    // three checks a second apart and rewind rolls back.
    svc.write_release("rewind-demo:v2", spec +
                                            "  config: {env: {DEMO_HEALTHY: \"false\", "
                                            "BENCH_RUN: \"" +
                                            std::to_string(i) + "\"}}\n");
    std::string started_at;
    ASSERT_TRUE(eventually(
        [&] {
          for (const auto& c : svc.running()) {
            if (c["Config"].value("Image", "") == "rewind-demo:v2") {
              started_at = c["State"].value("StartedAt", "");
            }
          }
          return !started_at.empty();
        },
        60s, 10ms))
        << svc.describe();
    ASSERT_TRUE(eventually(
        [&] {
          const auto s = svc.status();
          return s.contains("status") && s["status"].contains("lastRollback") &&
                 settled(svc, port, "v1");
        },
        60s, 50ms))
        << svc.describe();
    const auto s = svc.status();
    const auto began = model::parse_timestamp(s["status"]["lastRollback"].value("startedAt", ""));
    const auto failing = model::parse_timestamp(started_at.substr(0, 23) + "Z");
    ASSERT_TRUE(began && failing) << s.dump(2) << " " << started_at;
    detect_ms.add(std::chrono::duration<double, std::milli>(*began - *failing).count());
  }
  summary("detection_failed_health", detect_ms, "ms",
          "v2's container started answering /health 503 -> the rollback's first step "
          "(health every 1s, failureThreshold 3: checks at 0, 1 and 2 s, so the floor is 2 "
          "intervals); goal <= 3500");
}

// ---- figure 5: start-up and idle cost --------------------------------------

// A Unix socket in front of the Docker Engine's that counts the requests
// passing through (request lines from the client side).
class CountingDockerProxy {
 public:
  explicit CountingDockerProxy(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    ::unlink(path_.c_str());
    ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 64);
    accept_ = std::thread([this] { run(); });
  }
  ~CountingDockerProxy() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    accept_.join();
    for (auto& t : pipes_) t.detach();
    ::unlink(path_.c_str());
  }
  [[nodiscard]] long requests() const { return requests_.load(); }

 private:
  void run() {
    while (!stopping_) {
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      const int engine = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", itest::kDockerSocket);
      if (::connect(engine, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(client);
        ::close(engine);
        continue;
      }
      pipes_.emplace_back([this, client, engine] { pump(client, engine, true); });
      pipes_.emplace_back([this, client, engine] { pump(engine, client, false); });
    }
  }
  void pump(int from, int to, bool count) {
    std::array<char, 65536> buf{};
    std::string tail;
    while (true) {
      const ssize_t n = ::recv(from, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      if (count) {
        // A request starts with "<METHOD> /" at the start of the stream or
        // after a blank line; rewind's Docker requests have small bodies.
        std::string seen = tail + std::string(buf.data(), static_cast<std::size_t>(n));
        for (const char* m : {"GET /", "POST /", "PUT /", "DELETE /", "HEAD /"}) {
          std::size_t at = 0;
          while ((at = seen.find(m, at)) != std::string::npos) {
            if (at == 0 || (at >= 2 && seen.compare(at - 2, 2, "\r\n") == 0)) ++requests_;
            at += 1;
          }
        }
        tail = seen.size() > 8 ? seen.substr(seen.size() - 8) : seen;
      }
      if (::send(to, buf.data(), static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
    }
    ::shutdown(to, SHUT_WR);
  }

  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<long> requests_{0};
  std::thread accept_;
  std::vector<std::thread> pipes_;
};

// Files (and their mtimes) under a directory.
std::map<std::string, std::filesystem::file_time_type> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::filesystem::file_time_type> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) out[e.path().string()] = e.last_write_time();
  }
  return out;
}

TEST(Figure5, StartupAndIdleWithTenThousandReleases) {
  ASSERT_TRUE(itest::docker_answers());
  ASSERT_TRUE(itest::ensure_demo_images());
  itest::DockerCleanup cleanup;
  const Fleet fleet = make_fleet("bench-idle", fleet_size());
  const int count = fleet.count;
  const auto& root = fleet.root;
  CountingDockerProxy proxy((root / "docker.sock").string());
  WatcherOptions o;
  o.resync = "30s";  // the default
  o.env = {{"DOCKER_HOST", "unix://" + (root / "docker.sock").string()}};
  const auto t0 = SteadyClock::now();
  Watcher w(fleet.releases(), fleet.state(), root / "watch.log", o);
  int port = 0;
  ASSERT_TRUE(
      eventually([&] { return (port = http_port_in_log(root / "watch.log")) != 0; }, 60s, 5ms));
  ASSERT_TRUE(eventually([&] { return http_get(port, "/readyz").status == 200; }, 120s, 5ms))
      << ComposeService::read_text(root / "watch.log").substr(0, 4000);
  const double ready_ms = ms_since(t0);
  // Until every Release is Healthy (adopted, marked stable): the start-up
  // work is done.
  ASSERT_TRUE(eventually([&] { return fleet.stable() == count; }, 900s, 500ms))
      << fleet.stable() << " of " << count << " stable";
  const double settled_ms = ms_since(t0);
  std::this_thread::sleep_for(2s);
  const long calls_before = proxy.requests();
  const long long ticks_before = cpu_ticks(w.pid());
  const auto files_before = snapshot(root / "state");
  const auto idle_from = SteadyClock::now();
  const auto idle = std::chrono::seconds(std::getenv("REWIND_BENCH_IDLE_S") != nullptr
                                             ? std::atoi(std::getenv("REWIND_BENCH_IDLE_S"))
                                             : 60);
  // REWIND_BENCH_PERF=1: the idle time is profiled with perf (call graphs,
  // 199 Hz) into $REWIND_BENCH_OUT/figure-5-idle.perf.data.
  const char* perf = std::getenv("REWIND_BENCH_PERF");
  const char* out = std::getenv("REWIND_BENCH_OUT");
  if (perf != nullptr && std::string(perf) == "1" && out != nullptr) {
    const auto r = run_command("perf record -F 199 -g -o " + std::string(out) +
                               "/figure-5-idle.perf.data -p " + std::to_string(w.pid()) +
                               " -- sleep " + std::to_string(idle.count()));
    if (r.exit_code != 0) std::cerr << "perf record: " << r.output << "\n";
  } else {
    std::this_thread::sleep_for(idle);
  }
  const double idle_s = ms_since(idle_from) / 1000.0;
  const long long ticks = cpu_ticks(w.pid()) - ticks_before;
  const long calls = proxy.requests() - calls_before;
  const auto files_after = snapshot(root / "state");
  int written = 0;
  std::string example;
  for (const auto& [path, mtime] : files_after) {
    auto it = files_before.find(path);
    if (it == files_before.end() || it->second != mtime) {
      ++written;
      if (example.empty()) example = path.substr(root.string().size());
    }
  }
  const long hwm = proc_status_kb(w.pid(), "VmHWM");
  const long rss = proc_status_kb(w.pid(), "VmRSS");
  const double cpu_pct =
      100.0 * static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK)) / idle_s;
  const std::string n = std::to_string(count);
  line("startup_ready", ready_ms, "ms",
       "rewind watch start -> /readyz 200, " + n + " Release files; goal <= 1000");
  line("startup_all_healthy", settled_ms, "ms",
       "start -> every Release adopted its container and marked it stable (status and history "
       "written for each)");
  line("startup_peak_rss", static_cast<double>(hwm) / 1024.0, "MiB",
       "VmHWM after the first reconcile of all " + n + "; RSS now " +
           fixed(static_cast<double>(rss) / 1024.0) + " MiB; goal <= 64");
  line("idle_cpu", cpu_pct, "%",
       "of one core over " + fixed(idle_s, 0) +
           " s with nothing changing (resync 30s, the default); goal <= 1",
       2);
  line(
      "idle_docker_calls", static_cast<double>(calls), "requests",
      "Engine API requests in those " + fixed(idle_s, 0) + " s (counted by a socket proxy); goal 0",
      0);
  line("idle_state_writes", written, "files",
       "state files written in those " + fixed(idle_s, 0) + " s" +
           (example.empty() ? std::string() : " (e.g. " + example + ")") + "; goal 0",
       0);
  w.stop();
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

}  // namespace
}  // namespace rwd::bench
