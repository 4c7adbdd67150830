#pragma once
// What figures 4 and 6 share on the Kubernetes test control plane: the
// controller's HTTP port and request counter, and lists applied and
// counted through kubectl.

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "docker_env.hpp"
#include "kube/controller_process.hpp"

namespace rwd::bench {

using kube_itest::ControllerProcess;
using kube_itest::Json;

inline int count_from_env(int fallback) {
  const char* v = std::getenv("REWIND_BENCH_K8S_RELEASES");
  return v != nullptr && *v != '\0' ? std::max(1, std::atoi(v)) : fallback;
}

// The controller's rewind_kube_api_requests_total; -1 when unreadable.
inline double api_requests(int port) {
  const auto r = itest::http_get(port, "/metrics");
  if (r.status != 200) return -1;
  const std::string needle = "\nrewind_kube_api_requests_total ";
  const auto at = r.body.find(needle);
  if (at == std::string::npos) return -1;
  return std::atof(r.body.c_str() + at + needle.size());
}

inline int http_port(const ControllerProcess& c) {
  std::smatch m;
  const std::string log = c.log();
  if (!std::regex_search(log, m, std::regex("HTTP on 127\\.0\\.0\\.1:([0-9]+)"))) return 0;
  return std::stoi(m[1].str());
}

// The objects of `resource` in `ns` for which `counts` holds.
inline int count_where(const kube_itest::KubeCluster& k, const std::string& resource,
                       const std::string& ns, const std::function<bool(const Json&)>& counts) {
  const auto r = k.run_kubectl({"get", resource, "-n", ns, "-o", "json"});
  const Json list = Json::parse(r.out, nullptr, false);
  if (list.is_discarded()) return 0;
  int n = 0;
  for (const auto& item : list.value("items", Json::array())) n += counts(item) ? 1 : 0;
  return n;
}

// Releases in `ns` that are Ready at `revision`.
inline int ready_count(const kube_itest::KubeCluster& k, const std::string& ns,
                       std::int64_t revision) {
  return count_where(k, "releases", ns, [&](const Json& item) {
    return kube_itest::condition(item, "Ready") == "True" &&
           item["status"].value("currentRevision", 0) == revision;
  });
}
// Releases in `ns` with a Ready condition, whatever its value, and no plan
// in flight.
inline int settled_count(const kube_itest::KubeCluster& k, const std::string& ns) {
  return count_where(k, "releases", ns, [](const Json& item) {
    return !kube_itest::condition(item, "Ready").empty() && item.contains("status") &&
           !item["status"].contains("progress");
  });
}
// Rollbacks in `ns` that Succeeded.
inline int succeeded_count(const kube_itest::KubeCluster& k, const std::string& ns) {
  return count_where(k, "rollbacks", ns, [](const Json& item) {
    return item.contains("status") && item["status"].value("phase", "") == "Succeeded";
  });
}

inline void apply_list(const kube_itest::KubeCluster& k, const std::vector<Json>& items) {
  Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}};
  std::string out;
  ASSERT_EQ(k.kubectl({"apply", "-f", "-"}, &out, list.dump()), 0) << out.substr(0, 2000);
}

}  // namespace rwd::bench
