// `rewind plan`: the planner driven from files, as an operator runs it.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/cli/app.hpp"

#include "cli_run.hpp"
#include "temp_dir.hpp"

namespace rwd::cli {
namespace {

using rwd::testing::CliRun;
using rwd::testing::run_cli;
using rwd::testing::TempDir;
using ::testing::HasSubstr;

std::string release(const std::string& image) {
  return "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
         "metadata: {name: api, namespace: shop, generation: 3}\n"
         "spec:\n  target: {docker: {project: shop, service: api}}\n  image: " +
         image + "\n  healthCheck: {http: {port: 8080}}\n";
}

std::vector<std::string> step_kinds(const nlohmann::json& decision) {
  std::vector<std::string> out;
  for (const auto& s : decision["plan"]["steps"]) out.push_back(s["kind"].get<std::string>());
  return out;
}

constexpr const char* kNow = "2026-11-21T08:00:00Z";

TEST(PlanCommand, NewReleaseRollsForwardAndPrintsATable) {
  TempDir dir;
  const std::string f = dir.write("api.yaml", release("shop-api:v1"));
  const CliRun r = run_cli({"plan", "-f", f, "--now", kNow});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("roll forward to revision 1 (reason NewRevision)"));
  EXPECT_THAT(r.out, HasSubstr("start-revision"));
  EXPECT_THAT(r.out, HasSubstr("start shop-api:v1 (revision 1)"));
  EXPECT_THAT(r.out, HasSubstr("mark-stable"));
}

TEST(PlanCommand, GitRevertIsPlannedAsARollbackFromHistory) {
  TempDir dir;
  const std::string v1 = dir.write("v1/api.yaml", release("shop-api:v1"));
  const std::string v2 = dir.write("v2/api.yaml", release("shop-api:v2"));

  // Revision records exactly as the planner makes them: v1, then v2.
  const CliRun first = run_cli({"plan", "-f", v1, "-o", "json", "--now", kNow});
  ASSERT_EQ(first.code, 0) << first.err;
  nlohmann::json rec1 = nlohmann::json::parse(first.out)["newRevision"];
  rec1["liveAt"] = kNow;
  rec1["healthyAt"] = kNow;
  rec1["outcome"] = "Superseded";
  dir.write("history/shop/api.json", nlohmann::json{{"revisions", {rec1}}}.dump());
  const CliRun second =
      run_cli({"plan", "-f", v2, "-o", "json", "--now", kNow, "--history", dir.str("history")});
  ASSERT_EQ(second.code, 0) << second.err;
  nlohmann::json rec2 = nlohmann::json::parse(second.out)["newRevision"];
  ASSERT_EQ(rec2["number"], 2);
  rec2["liveAt"] = kNow;
  rec2["healthyAt"] = kNow;
  rec2["outcome"] = "Healthy";
  dir.write("history/shop/api.json", nlohmann::json{{"revisions", {rec1, rec2}}}.dump());
  dir.write("observed.yaml",
            "running: " + rec2["revision"].dump() +
                "\nhealth: Healthy\nimagesPresent: [\"shop-api:v1\", \"shop-api:v2\"]\n");

  // The file goes back to v1: a rollback to revision 1, not a new revision.
  const CliRun revert = run_cli({"plan", "-f", v1, "-o", "json", "--now", kNow, "--history",
                                 dir.str("history"), "--observed", dir.str("observed.yaml")});
  ASSERT_EQ(revert.code, 0) << revert.err;
  const auto d = nlohmann::json::parse(revert.out);
  EXPECT_EQ(d["plan"]["direction"], "rollback");
  EXPECT_EQ(d["plan"]["reason"], "RevertedInSource");
  EXPECT_EQ(d["plan"]["from"], 2);
  EXPECT_EQ(d["plan"]["to"], 1);
  EXPECT_TRUE(d["newRevision"].is_null());
  const auto kinds = step_kinds(d);
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.front(), "RecordIncident");
  EXPECT_THAT(kinds, ::testing::Contains("StartRevision"));
  EXPECT_THAT(kinds, ::testing::Contains("HealthGate"));
}

TEST(PlanCommand, RollbackResourceNamingAMissingRevisionIsAnErrorWithoutAPlan) {
  TempDir dir;
  const std::string f = dir.write("api.yaml", release("shop-api:v1"));
  const std::string rb = dir.write("rb.yaml",
                                   "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\n"
                                   "metadata: {name: rb, namespace: shop}\n"
                                   "spec: {releaseRef: {name: api}, to: 7}\n");
  const CliRun r = run_cli({"plan", "-f", f, "--rollback", rb, "-o", "json", "--now", kNow});
  EXPECT_EQ(r.code, 1);
  const auto d = nlohmann::json::parse(r.out);
  EXPECT_FALSE(d["error"].is_null());
  EXPECT_TRUE(d["plan"]["steps"].empty());
}

TEST(PlanCommand, InvalidInputsNameTheFileAndField) {
  TempDir dir;
  const std::string bad = dir.write("bad.yaml", release("shop-api:v1") + "  replicas: 2\n");
  const CliRun r = run_cli({"plan", "-f", bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(bad + ": spec.replicas: unknown field"));

  const std::string f = dir.write("api.yaml", release("shop-api:v1"));
  const std::string obs = dir.write("obs.yaml", "running: {image: x}\nhealth: Fine\n");
  const CliRun o = run_cli({"plan", "-f", f, "--observed", obs});
  EXPECT_EQ(o.code, 1);
  EXPECT_THAT(o.err, HasSubstr(obs + ": health: "));
}

TEST(PlanCommand, UsageErrorsAndHelp) {
  EXPECT_EQ(run_cli({"plan"}).code, 2);
  EXPECT_EQ(run_cli({"plan", "-f", "x.yaml", "-o", "xml"}).code, 2);
  EXPECT_EQ(run_cli({"plan", "-f", "x.yaml", "--now", "yesterday"}).code, 2);
  const CliRun help = run_cli({"plan", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("Usage: rewind plan -f RELEASE.yaml [options]"));
  EXPECT_THAT(help.out, HasSubstr("--observed"));
}

}  // namespace
}  // namespace rwd::cli
