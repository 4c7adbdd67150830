// Soak: random changes and rollbacks against the real `rewind watch` and the
// real Docker Engine, one after another, each waited for until it has
// converged (exactly one container of the service, the expected image and
// configuration, answering with its version, the Release stable). Meanwhile
// the watcher's resident memory and open file descriptors are sampled; what
// they are at the end must not exceed what they were after the warm-up by
// more than a stated bound (a leak of one fd or a few KiB per change would).
//
// The run is bounded by time and by count: REWIND_SOAK_SECONDS (default
// 150, what CI runs) and REWIND_SOAK_CHANGES (default 1000). By hand:
//   REWIND_SOAK_SECONDS=3600 ctest --test-dir build/dev -R integration.soak --timeout 4000
// REWIND_SOAK_SEED repeats a run (its seed is printed).

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

using namespace std::chrono_literals;

long env_number(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtol(v, nullptr, 10);
}

// What the Release file says; a healthy spec is what should end up live.
struct Spec {
  std::string version;  // v1, v2, v3
  int generation = 0;   // SOAK_GEN in the container's environment: a new tuple each time
  bool healthy = true;  // DEMO_HEALTHY; false fails the health gate
  bool operator==(const Spec&) const = default;
};

std::string spec_yaml(const Spec& s) {
  // Generation 0: the container `docker run` started, adopted as it is.
  const std::string gen =
      s.generation == 0 ? "" : ", SOAK_GEN: \"" + std::to_string(s.generation) + "\"";
  return std::string("  config: {env: {DEMO_HEALTHY: \"") + (s.healthy ? "true" : "false") + "\"" +
         gen +
         "}}\n"
         "  healthCheck: {http: {path: /health, port: 8080}, interval: 1s, timeout: 1s, "
         "successThreshold: 1, failureThreshold: 2}\n"
         "  rollbackPolicy: {progressDeadline: 1m}\n";
}

struct Sample {
  long rss_kib = 0;
  long fds = 0;
};

Sample sample(pid_t pid) {
  Sample s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::strtol(line.c_str() + 6, nullptr, 10);
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++s.fds;
  }
  return s;
}

class SoakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
    ASSERT_TRUE(svc_.up("rewind-demo:v1"));
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- rewind watch log (last 60 lines) ----\n" << tail(svc_.log("soak"), 60);
    }
  }

  static std::string tail(const std::filesystem::path& p, std::size_t lines) {
    const std::string text = ComposeService::read_text(p);
    std::size_t pos = text.size();
    for (std::size_t n = 0; n <= lines && pos != std::string::npos && pos > 0; ++n) {
      pos = text.rfind('\n', pos - 1);
    }
    return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
  }

  // Exactly one container of the service, running under its compose name,
  // with the spec's image and generation, answering with its version; the
  // Release stable with no plan in flight.
  bool converged(const Spec& live) {
    const auto all = svc_.containers();
    if (all.size() != 1 || !all[0]["State"].value("Running", false)) return false;
    if (all[0]["Name"] != "/" + svc_.container_name()) return false;
    if (all[0]["Config"]["Image"] != "rewind-demo:" + live.version) return false;
    const auto& env = all[0]["Config"]["Env"];
    const std::string gen = "SOAK_GEN=" + std::to_string(live.generation);
    if (live.generation > 0 &&
        (!env.is_array() || std::find(env.begin(), env.end(), gen) == env.end())) {
      return false;
    }
    const auto s = svc_.status();
    if (!s.contains("status") || s["status"].contains("progress")) return false;
    if (s["status"].value("currentRevision", -1) != s["status"].value("stableRevision", -2)) {
      return false;
    }
    return svc_.served_version() == live.version;
  }

  // The newest revision's number (history keeps only the newest ones).
  int newest_revision() {
    const auto h = svc_.history();
    int newest = 0;
    if (!h.contains("revisions")) return newest;
    for (const auto& r : h["revisions"]) newest = std::max(newest, r.value("number", 0));
    return newest;
  }

  void write_rollback(const std::string& name) {
    const auto dir = svc_.releases();
    std::ofstream(dir / ".rb.tmp")
        << "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\n"
           "metadata: {name: "
        << name
        << ", namespace: it}\n"
           "spec: {releaseRef: {name: api}, to: previous, reason: soak}\n";
    std::filesystem::rename(dir / ".rb.tmp", dir / (name + ".yaml"));
  }

  ComposeService svc_{"soak"};
  DockerCleanup cleanup_;
};

TEST_F(SoakTest, RandomChangesAndRollbacksConvergeWithoutGrowth) {
  const long budget_s = env_number("REWIND_SOAK_SECONDS", 150);
  const long max_changes = env_number("REWIND_SOAK_CHANGES", 1000);
  const auto seed =
      static_cast<std::uint32_t>(env_number("REWIND_SOAK_SEED", std::random_device{}()));
  std::cout << "soak: seed " << seed << ", up to " << max_changes << " changes in " << budget_s
            << " s\n";
  std::mt19937 rng(seed);

  Spec file{"v1", 0, true};         // what the Release file says
  Spec live = file;                 // what must run
  std::optional<Spec> before_file;  // the file's previous content, for a GitOps revert
  std::optional<Spec> before_live;  // what ran before the last new deploy, for a Rollback
  // rewind's `to: previous` is the newest earlier revision that went live and
  // did not fail, by number: that is what ran before only when the last two
  // revisions were both plain deploys (a revert or a rollback in between
  // leaves a newer, rolled back, revision that `previous` would pick).
  bool last_was_deploy = true;  // the adopted container counts
  int generation = 0;
  svc_.write_release("rewind-demo:" + file.version, spec_yaml(file));

  Watcher w(svc_.releases(), svc_.state(), svc_.log("soak"), {.env = {}, .resync = "5s"});
  ASSERT_TRUE(eventually([&] { return converged(live); }, 60s)) << svc_.describe();

  std::vector<Sample> samples;
  int counts[5] = {0, 0, 0, 0, 0};
  const char* names[5] = {"deploy", "comment", "revert", "rollback", "failing"};
  const auto start = std::chrono::steady_clock::now();
  long changes = 0;
  while (changes < max_changes && std::chrono::steady_clock::now() - start < budget_s * 1s) {
    ++changes;
    const int roll = static_cast<int>(rng() % 100);
    int kind = roll < 40 ? 0 : roll < 70 ? 1 : roll < 85 ? 2 : roll < 95 ? 3 : 4;
    if (kind == 2 && !before_file) kind = 0;
    if (kind == 3 && !before_live) kind = 0;
    if (kind == 4 && generation == 0) kind = 0;  // see the first deploy below
    const int newest_before = newest_revision();
    switch (kind) {
      case 0: {  // a new tuple: another image and configuration
        before_file = file;
        before_live.reset();
        if (last_was_deploy) before_live = live;
        // The first one changes the image: while the adopted container (no
        // rewind labels) runs, a change of configuration alone is not seen
        // (execute::adopt takes it for the desired revision; a known bug).
        const std::string image = generation == 0 ? "v2" : "v" + std::to_string(1 + rng() % 3);
        file = {image, ++generation, true};
        live = file;
        svc_.write_release("rewind-demo:" + file.version, spec_yaml(file));
        break;
      }
      case 1: {  // the file changes, the spec does not: nothing may be deployed
        std::ofstream(svc_.releases() / "api.yaml", std::ios::app)
            << "# soak change " << changes << "\n";
        break;
      }
      case 2: {  // GitOps revert to the file before
        std::swap(file, *before_file);
        before_live.reset();
        if (file.healthy) live = file;
        svc_.write_release("rewind-demo:" + file.version, spec_yaml(file));
        break;
      }
      case 3: {  // a Rollback resource to the previous revision
        live = *before_live;
        before_live.reset();
        before_file.reset();
        write_rollback("soak-" + std::to_string(changes));
        break;
      }
      default: {  // a release that fails its health gate: rolled back on its own
        before_file = file;
        before_live.reset();
        file = {"v" + std::to_string(1 + rng() % 3), ++generation, false};
        svc_.write_release("rewind-demo:" + file.version, spec_yaml(file));
        // Seen: its revision recorded, before convergence can mean anything.
        ASSERT_TRUE(eventually([&] { return newest_revision() > newest_before; }, 30s))
            << "change " << changes << ": the failing release was never tried\n"
            << svc_.describe();
        break;
      }
    }
    ++counts[kind];
    if (kind != 1) last_was_deploy = kind == 0;
    ASSERT_TRUE(eventually([&] { return converged(live); }, 60s))
        << "change " << changes << " (" << names[kind] << ", seed " << seed
        << ") did not converge on " << live.version << " gen " << live.generation << "\n"
        << svc_.describe();
    ASSERT_EQ(::kill(w.pid(), 0), 0) << "the watcher is gone";
    samples.push_back(sample(w.pid()));
  }

  std::cout << "soak: " << changes << " changes in "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                start)
                   .count()
            << " s:";
  for (int k = 0; k < 5; ++k) std::cout << " " << names[k] << " " << counts[k];
  std::cout << "\n";
  ASSERT_GE(samples.size(), 20U) << "too few changes to judge growth";

  // Warm-up: the first quarter (caches, worker threads, malloc arenas fill
  // up). End: the last quarter. Bounds: 16 MiB of RSS, 8 descriptors.
  const std::size_t quarter = samples.size() / 4;
  auto max_of = [&](std::size_t from, std::size_t to, auto field) {
    long m = 0;
    for (std::size_t i = from; i < to; ++i) m = std::max(m, samples[i].*field);
    return m;
  };
  const long rss_warm = max_of(0, quarter, &Sample::rss_kib);
  const long rss_end = max_of(samples.size() - quarter, samples.size(), &Sample::rss_kib);
  const long fds_warm = max_of(0, quarter, &Sample::fds);
  const long fds_end = max_of(samples.size() - quarter, samples.size(), &Sample::fds);
  std::cout << "soak: RSS " << rss_warm << " KiB after warm-up, " << rss_end
            << " KiB at the end; fds " << fds_warm << " then " << fds_end << "\n";
  EXPECT_LE(rss_end, rss_warm + 16 * 1024) << "resident memory grew";
  EXPECT_LE(fds_end, fds_warm + 8) << "open file descriptors grew";

  // The state directory stays bounded too (history is pruned).
  std::uintmax_t state_bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(svc_.state())) {
    if (e.is_regular_file()) state_bytes += e.file_size();
  }
  std::cout << "soak: state directory " << state_bytes << " bytes, newest revision "
            << newest_revision() << "\n";
  EXPECT_LE(state_bytes, 4U * 1024U * 1024U);

  EXPECT_EQ(w.stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
