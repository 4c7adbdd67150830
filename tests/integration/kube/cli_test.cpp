// The `rewind` command line against the real control plane: `status` and
// `history` read what `rewind controller` wrote into the Releases' status,
// and `rollback` creates a Rollback resource and follows it to the end.

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller_process.hpp"

namespace rwd::kube_itest {
namespace {

using namespace std::chrono_literals;
using rwd::testing::run_command;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

struct KubeCliTest : ::testing::Test {
  KubeCluster& k = cluster_with_crds();
  const std::string ns = "t-cli";  // short: the NAMESPACE column is 12 wide
  std::string log;

  void SetUp() override {
    ensure_namespace(k, ns);
    ensure_namespace(k, "rewind-system");
    log = k.dir() + "/" + ns + ".log";
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- controller log " << log << ":\n" << read_text(log) << "\n";
  }

  // `rewind ARGS --kubeconfig K -n NS`, the real binary.
  CommandResult rewind(std::vector<std::string> args) {
    args.insert(args.begin(), std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind");
    args.insert(args.end(), {"--kubeconfig", k.kubeconfig(), "-n", ns});
    return run_command(args, "", 180s);
  }
  Json release() { return get_object(k, "release", ns, "api"); }
};

TEST_F(KubeCliTest, StatusHistoryAndRollbackGoThroughTheApiServer) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v1"), 1));
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v2"), 2));

  const CommandResult list = rewind({"status"});
  ASSERT_EQ(list.exit_code, 0) << list.both();
  EXPECT_THAT(list.out, HasSubstr("NAMESPACE"));
  EXPECT_THAT(list.out, ContainsRegex("t-cli +api +Healthy +2 +2 +True +rewind-demo:v2"));
  const CommandResult one = rewind({"status", "api"});
  ASSERT_EQ(one.exit_code, 0) << one.both();
  EXPECT_THAT(one.out, HasSubstr("Release t-cli/api"));
  EXPECT_THAT(one.out, HasSubstr("Healthy"));

  const CommandResult hist = rewind({"history", "api"});
  ASSERT_EQ(hist.exit_code, 0) << hist.both();
  EXPECT_THAT(hist.out, ContainsRegex("1 +[a-z0-9]{10} +rewind-demo:v1 "));
  EXPECT_THAT(hist.out, ContainsRegex("2 +[a-z0-9]{10} +rewind-demo:v2 "));
  const CommandResult hist_json = rewind({"history", "api", "-o", "json"});
  ASSERT_EQ(hist_json.exit_code, 0) << hist_json.both();
  const Json revisions = Json::parse(hist_json.out)["revisions"];
  ASSERT_EQ(revisions.size(), 2U) << hist_json.out;
  EXPECT_EQ(revisions[1]["revision"]["image"], "rewind-demo:v2");

  const CommandResult missing = rewind({"history", "web"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no Release t-cli/web in the cluster (kubeconfig "));

  // --dry-run shows the resource and creates nothing.
  const CommandResult dry = rewind({"rollback", "api", "--to", "previous", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.both();
  EXPECT_THAT(dry.out, HasSubstr("generateName: api-rollback-"));
  EXPECT_EQ(get_json(k, {"get", "rollbacks", "-n", ns})["items"].size(), 0U);

  const auto start = std::chrono::steady_clock::now();
  const CommandResult rb = rewind({"rollback", "api", "--to", "previous", "--reason", "cli test"});
  std::cerr << "rewind rollback took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms:\n"
            << rb.out;
  ASSERT_EQ(rb.exit_code, 0) << rb.both();
  EXPECT_THAT(rb.out, HasSubstr("created Rollback t-cli/api-rollback-"));
  EXPECT_THAT(rb.out, HasSubstr("taken up by the controller"));
  EXPECT_THAT(rb.out, ContainsRegex("\\[1/[0-9]+\\] .*: done"));
  EXPECT_THAT(rb.out, HasSubstr("succeeded"));
  EXPECT_THAT(rb.out, HasSubstr("is back on revision 1 (rewind-demo:v1)"));

  // The Rollback resource it made, Succeeded; the Deployment back on v1; the Release pinned.
  const Json rollbacks = get_json(k, {"get", "rollbacks", "-n", ns});
  ASSERT_EQ(rollbacks["items"].size(), 1U) << rollbacks.dump(2);
  const Json& made = rollbacks["items"][0];
  EXPECT_EQ(made["spec"]["releaseRef"]["name"], "api");
  EXPECT_EQ(made["spec"]["to"], "previous");
  EXPECT_EQ(made["spec"]["reason"], "cli test");
  EXPECT_EQ(made["status"]["phase"], "Succeeded");
  EXPECT_EQ(deployment_image(k, ns, "api"), "rewind-demo:v1");
  EXPECT_TRUE(eventually([&] { return condition(release(), "Pinned") == "True"; }, 30s))
      << release().dump(2);
  EXPECT_EQ(c.stop(), 0) << c.log();
}

}  // namespace
}  // namespace rwd::kube_itest
