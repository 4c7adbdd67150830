#pragma once
// Small helpers for the tests against the real control plane (kube_cluster.hpp).

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kube_cluster.hpp"

namespace rwd::kube_itest {

using Json = nlohmann::json;
using rwd::testing::CommandResult;
using rwd::testing::kube_cluster;
using rwd::testing::KubeCluster;

inline std::string source_path(const std::string& relative) {
  return std::string(REWIND_SOURCE_DIR) + "/" + relative;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The cluster with crds/ applied and Established (once per process).
inline KubeCluster& cluster_with_crds() {
  KubeCluster& k = kube_cluster();
  static bool applied = false;
  if (!applied) {
    k.apply_crds();
    applied = true;
  }
  return k;
}

// Creates the namespace unless it exists.
inline void ensure_namespace(const KubeCluster& k, const std::string& name) {
  const Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  std::string out;
  ASSERT_EQ(k.kubectl({"apply", "-f", "-"}, &out, ns.dump()), 0) << out;
}

// kubectl ... -o json, parsed; a failed command or bad JSON fails the test
// and returns null.
inline Json get_json(const KubeCluster& k, std::vector<std::string> args) {
  args.insert(args.end(), {"-o", "json"});
  const CommandResult r = k.run_kubectl(args);
  EXPECT_EQ(r.exit_code, 0) << r.both();
  if (r.exit_code != 0) return nullptr;
  Json j = Json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j.is_discarded() ? Json() : j;
}

}  // namespace rwd::kube_itest
