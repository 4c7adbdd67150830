// `rewind validate`: every error of every file, with file, document and
// field path; the exit status says whether anything was wrong.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/cli/app.hpp"

#include "cli_run.hpp"
#include "temp_dir.hpp"

namespace rwd::cli {
namespace {

using rwd::testing::CliRun;
using rwd::testing::run_cli;
using rwd::testing::TempDir;
using ::testing::HasSubstr;

constexpr const char* kGood = R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api, namespace: shop}
spec:
  target: {docker: {project: shop, service: api}}
  image: shop-api:v2
  config: {envFiles: [./env/api.env]}
)";

TEST(ValidateCommand, OneGoodAndThreeBrokenFilesListEveryErrorAndExitOne) {
  TempDir dir;
  dir.write("releases/env/api.env", "LOG_LEVEL=info\n");
  dir.write("releases/api.yaml", kGood);
  // Broken 1: a range error in the second document of a multi-document file.
  dir.write("releases/web.yaml", R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: web, namespace: shop}
spec:
  target: {docker: {project: shop, service: web}}
  image: web:1
---
apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: web-canary, namespace: shop}
spec:
  target: {docker: {project: shop, service: web}}
  image: web:2
  strategy:
    type: Canary
    canary:
      steps: [{setWeight: 10}, {pause: 1m}, {setWeight: 140}]
)");
  // Broken 2: two errors in one document (unknown field and both targets).
  dir.write("releases/worker.yaml", R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: worker, namespace: shop}
spec:
  target: {docker: {project: shop, service: worker}, kubernetes: {deployment: worker}}
  image: worker:1
  replicas: 3
)");
  // Broken 3: not YAML at all.
  dir.write("rollbacks/bad.yml", "spec: [[:\n");
  // Ignored: dot-directories and other extensions.
  dir.write(".git/config.yaml", "not: [a resource\n");
  dir.write("releases/README.md", "# notes\n");

  const CliRun r = run_cli({"validate", dir.str()});
  EXPECT_EQ(r.code, 1);
  const std::string web = dir.str("releases/web.yaml");
  EXPECT_THAT(r.err, HasSubstr(web + "[1]: spec.strategy.canary.steps[2].setWeight: 140 is not "
                                     "within 0..100 (line 17)"));
  const std::string worker = dir.str("releases/worker.yaml");
  EXPECT_THAT(r.err, HasSubstr(worker + ": spec.replicas: unknown field \"replicas\""));
  EXPECT_THAT(r.err, HasSubstr(dir.str("rollbacks/bad.yml") + ": "));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr(".git")));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("api.yaml")));
  EXPECT_THAT(r.out, HasSubstr("4 files, 2 valid objects"));
}

TEST(ValidateCommand, TargetWithBothPlatformsIsReportedOnceTheTypoIsFixed) {
  TempDir dir;
  const std::string f = dir.write("worker.yaml", R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: worker}
spec:
  target: {docker: {project: shop, service: worker}, kubernetes: {deployment: worker}}
  image: worker:1
)");
  const CliRun r = run_cli({"validate", f});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(
      r.err, HasSubstr(f + ": spec.target: must set exactly one of docker, kubernetes (got both)"));
}

TEST(ValidateCommand, AllValidExitsZeroWithASummary) {
  TempDir dir;
  dir.write("env/api.env", "A=1\n");
  const std::string f = dir.write("api.yaml", kGood);
  const CliRun r = run_cli({"validate", f});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "1 file, 1 valid object\n");
}

TEST(ValidateCommand, MissingEnvFileIsAnError) {
  TempDir dir;
  const std::string f = dir.write("api.yaml", kGood);
  const CliRun r = run_cli({"validate", f});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(f + ": spec.config.envFiles[0]: \"./env/api.env\""));
  EXPECT_EQ(run_cli({"validate", "--skip-file-checks", f}).code, 0);
}

TEST(ValidateCommand, DuplicateNamesAcrossFilesAreReported) {
  TempDir dir;
  dir.write("env/api.env", "A=1\n");
  dir.write("a.yaml", kGood);
  dir.write("b.yaml", kGood);
  const CliRun r = run_cli({"validate", dir.str()});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(dir.str("b.yaml") +
                               ": metadata.name: Release \"api\" in namespace "
                               "\"shop\" is already defined in " +
                               dir.str("a.yaml")));
}

TEST(ValidateCommand, OversizedFileIsRefusedWithoutReadingIt) {
  TempDir dir;
  const std::string f = dir.write("big.yaml", std::string(1024 * 1024 + 1, '#'));
  const CliRun r = run_cli({"validate", f});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err,
              HasSubstr(f + ": file is 1048577 bytes, more than the limit of 1048576 bytes"));
}

TEST(ValidateCommand, UsageErrors) {
  EXPECT_EQ(run_cli({"validate"}).code, 2);
  const CliRun missing = run_cli({"validate", "/nonexistent/rewind"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/rewind: no such file or directory"));
  const CliRun bad_flag = run_cli({"validate", "--frobnicate", "x"});
  EXPECT_EQ(bad_flag.code, 2);
  EXPECT_THAT(bad_flag.err, HasSubstr("rewind validate: unrecognised option '--frobnicate'"));
}

TEST(ValidateCommand, HelpDescribesTheCommand) {
  const CliRun r = run_cli({"validate", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("Usage: rewind validate [options] PATH..."));
  EXPECT_THAT(r.out, HasSubstr("--skip-file-checks"));
}

TEST(App, TopLevelHelpVersionAndUnknownCommand) {
  EXPECT_THAT(run_cli({"--help"}).out, HasSubstr("validate PATH..."));
  EXPECT_THAT(run_cli({"version"}).out, HasSubstr("rewind 0.1.0"));
  const CliRun r = run_cli({"deploy"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command \"deploy\""));
  EXPECT_EQ(run_cli({}).code, 2);
}

}  // namespace
}  // namespace rwd::cli
