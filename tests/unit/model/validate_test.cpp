// Strict validation: every error names the source, the document, the field
// path and the value, and every error of a file is reported.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/model/codec.hpp"

namespace rwd::model {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> errors_of(const std::string& text, const std::string& source = "r.yaml") {
  std::vector<std::string> out;
  for (const auto& d : parse_resources(text, source).errors) out.push_back(d.str());
  return out;
}

std::string release(const std::string& spec_extra,
                    const std::string& target = "  target: {docker: {project: p, service: s}}\n") {
  return "apiVersion: rewind.dev/v1alpha1\nkind: Release\nmetadata: {name: api, namespace: "
         "shop}\nspec:\n" +
         target + "  image: shop-api:v1\n" + spec_extra;
}

struct Case {
  const char* name;
  std::string text;
  const char* expected;  // one error whose text contains this
};

// Keeps test output readable: gtest would print the bytes of the struct.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ValidationCase : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationCase, ReportsTheFieldPathAndValue) {
  const auto errors = errors_of(GetParam().text);
  ASSERT_FALSE(errors.empty()) << "no error for " << GetParam().name;
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr(GetParam().expected)))
      << ::testing::PrintToString(errors);
}

INSTANTIATE_TEST_SUITE_P(
    Release, ValidationCase,
    ::testing::Values(
        Case{"unknown field", release("  imag: x\n"),
             "r.yaml: spec.imag: unknown field \"imag\" (allowed: target, image"},
        Case{"unknown nested field", release("  healthCheck: {http: {port: 80, pth: /h}}\n"),
             "spec.healthCheck.http.pth: unknown field \"pth\""},
        Case{"wrong type for a mapping", release("  config: [a, b]\n"),
             "spec.config: must be a mapping, got sequence"},
        Case{"wrong type for an integer", release("  healthCheck: {http: {port: eighty}}\n"),
             "spec.healthCheck.http.port: must be an integer, got eighty"},
        Case{"quoted number is not an integer", release("  healthCheck: {http: {port: \"80\"}}\n"),
             "spec.healthCheck.http.port: must be an integer"},
        Case{"wrong type for a bool", release("  rollbackPolicy: {automatic: yes}\n"),
             "spec.rollbackPolicy.automatic: must be true or false, got yes"},
        Case{"missing image",
             "apiVersion: rewind.dev/v1alpha1\nkind: Release\nmetadata: {name: a}\nspec:\n"
             "  target: {docker: {project: p, service: s}}\n",
             "spec.image: is required"},
        Case{"missing metadata.name",
             "apiVersion: rewind.dev/v1alpha1\nkind: Release\nmetadata: {namespace: x}\nspec: {}\n",
             "metadata.name: is required"},
        Case{"wrong apiVersion",
             "apiVersion: rewind.dev/v2\nkind: Release\nmetadata: {name: a}\nspec: {}\n",
             "apiVersion: \"rewind.dev/v2\" is not supported (allowed: rewind.dev/v1alpha1)"},
        Case{"wrong kind",
             "apiVersion: rewind.dev/v1alpha1\nkind: Deployment\nmetadata: {name: a}\n",
             "kind: \"Deployment\" is not one of Release, Rollback"},
        Case{"no target platform", release("", "  target: {}\n"),
             "spec.target: must set exactly one of docker, kubernetes (got none)"},
        Case{"two target platforms",
             release("",
                     "  target: {docker: {project: p, service: s}, kubernetes: {deployment: d}}\n"),
             "spec.target: must set exactly one of docker, kubernetes (got both)"},
        Case{"canary weight out of range",
             release("  strategy:\n    type: Canary\n    canary:\n      steps: [{setWeight: 10}, "
                     "{pause: 1m}, {setWeight: 140}]\n"),
             "r.yaml: spec.strategy.canary.steps[2].setWeight: 140 is not within 0..100 (line 10)"},
        Case{"negative canary weight",
             release("  strategy: {type: Canary, canary: {steps: [{setWeight: -1}]}}\n"),
             "spec.strategy.canary.steps[0].setWeight: -1 is not within 0..100"},
        Case{"canary step with two keys",
             release("  strategy: {type: Canary, canary: {steps: [{setWeight: 1, pause: 1s}]}}\n"),
             "spec.strategy.canary.steps[0]: must be a mapping with exactly one of setWeight, "
             "pause, "
             "analysis, got 2 keys"},
        Case{"unknown canary step",
             release("  strategy: {type: Canary, canary: {steps: [{wait: 1s}]}}\n"),
             "spec.strategy.canary.steps[0].wait: unknown step \"wait\""},
        Case{"canary block under Recreate",
             release("  strategy: {type: Recreate, canary: {steps: [{setWeight: 1}]}}\n"),
             "spec.strategy.canary: is only allowed when spec.strategy.type is Canary (it is "
             "Recreate)"},
        Case{"canary without steps block", release("  strategy: {type: Canary}\n"),
             "spec.strategy.canary: is required when spec.strategy.type is Canary"},
        Case{"analysis step without analysis",
             release("  strategy: {type: Canary, canary: {steps: [{analysis: {}}]}}\n"),
             "spec.strategy.canary.steps[0].analysis: needs spec.analysis"},
        Case{"unknown strategy type", release("  strategy: {type: Rolling}\n"),
             "spec.strategy.type: \"Rolling\" is not one of Recreate, BlueGreen, Canary"},
        Case{"unparseable failIf",
             release("  analysis:\n    prometheus: {address: \"http://127.0.0.1:9090\"}\n"
                     "    metrics: [{name: errors, query: q, failIf: \"above 5%\"}]\n"),
             "spec.analysis.metrics[0].failIf: \"above 5%\" is not a threshold"},
        Case{"metric without threshold",
             release("  analysis:\n    prometheus: {address: \"http://127.0.0.1:9090\"}\n"
                     "    metrics: [{name: errors, query: q}]\n"),
             "spec.analysis.metrics[0]: needs failIf, warnIf or both"},
        Case{"metrics without prometheus",
             release("  analysis:\n    metrics: [{name: errors, query: q, failIf: \"> 1\"}]\n"),
             "spec.analysis.prometheus: is required when a metric has a query "
             "(spec.analysis.metrics[0], \"errors\")"},
        Case{"metric without provider",
             release("  analysis:\n    metrics: [{name: errors, failIf: \"> 1\"}]\n"),
             "spec.analysis.metrics[0]: must set exactly one of query, http, command (got none)"},
        Case{
            "metric with two providers",
            release("  analysis:\n    prometheus: {address: \"http://127.0.0.1:9090\"}\n"
                    "    metrics: [{name: errors, query: q, failIf: \"> 1\", http: {port: 80}}]\n"),
            "spec.analysis.metrics[0]: must set exactly one of query, http, command (got query and "
            "http)"},
        Case{"metric with three providers",
             release("  analysis:\n    prometheus: {address: \"http://127.0.0.1:9090\"}\n"
                     "    metrics: [{name: e, query: q, failIf: \"> 1\", http: {}, "
                     "command: {argv: [x]}}]\n"),
             "(got query, http and command)"},
        Case{"http metric port out of range",
             release("  analysis:\n    metrics: [{name: h, http: {port: 70000}}]\n"),
             "spec.analysis.metrics[0].http.port: 70000 is not within 0..65535"},
        Case{"http metric path without slash",
             release("  analysis:\n    metrics: [{name: h, http: {path: health}}]\n"),
             "spec.analysis.metrics[0].http.path: \"health\" must start with /"},
        Case{"http metric bad expected status",
             release("  analysis:\n    metrics: [{name: h, http: {expectStatus: 42}}]\n"),
             "spec.analysis.metrics[0].http.expectStatus: 42 is not within 100..599"},
        Case{"http metric bad timeout",
             release("  analysis:\n    metrics: [{name: h, http: {timeout: soon}}]\n"),
             "spec.analysis.metrics[0].http.timeout: \"soon\" is not a duration"},
        Case{"http metric unknown field",
             release("  analysis:\n    metrics: [{name: h, http: {status: 200}}]\n"),
             "spec.analysis.metrics[0].http.status: unknown field \"status\" (allowed: path, port, "
             "expectStatus, bodyMatch, timeout)"},
        Case{"http metric is not a mapping",
             release("  analysis:\n    metrics: [{name: h, http: /health}]\n"),
             "spec.analysis.metrics[0].http: must be a mapping, got"},
        Case{"command metric without argv",
             release("  analysis:\n    metrics: [{name: c, command: {timeout: 5s}}]\n"),
             "spec.analysis.metrics[0].command.argv: is required"},
        Case{"command metric with empty argv",
             release("  analysis:\n    metrics: [{name: c, command: {argv: []}}]\n"),
             "spec.analysis.metrics[0].command.argv: must not be empty"},
        Case{"command metric argv not strings",
             release("  analysis:\n    metrics: [{name: c, command: {argv: [[a]]}}]\n"),
             "spec.analysis.metrics[0].command.argv"},
        Case{"command metric zero timeout",
             release("  analysis:\n    metrics: [{name: c, command: {argv: [x], timeout: 0s}}]\n"),
             "spec.analysis.metrics[0].command.timeout: 0s must be greater than 0s"},
        Case{"bad duration", release("  analysis: {interval: 10 seconds}\n"),
             "spec.analysis.interval: \"10 seconds\" is not a duration (examples: 500ms, 90s, 5m, "
             "1h30m)"},
        Case{"zero duration", release("  healthCheck: {interval: 0s}\n"),
             "spec.healthCheck.interval: 0s must be greater than 0s"},
        Case{"port out of range", release("  healthCheck: {http: {port: 70000}}\n"),
             "spec.healthCheck.http.port: 70000 is not within 1..65535"},
        Case{"history limit out of range", release("  rollbackPolicy: {revisionHistoryLimit: 0}\n"),
             "spec.rollbackPolicy.revisionHistoryLimit: 0 is not within 1..100"},
        Case{"bad image reference",
             "apiVersion: rewind.dev/v1alpha1\nkind: Release\nmetadata: {name: a}\nspec:\n"
             "  target: {docker: {project: p, service: s}}\n  image: Shop API:v1\n",
             "spec.image: \"Shop API:v1\" contains white space"},
        Case{"bad env name", release("  config: {env: {1BAD: x}}\n"),
             "spec.config.env.1BAD: \"1BAD\" is not a valid variable name"},
        Case{"bad name",
             "apiVersion: rewind.dev/v1alpha1\nkind: Release\nmetadata: {name: Api_1}\nspec:\n"
             "  target: {docker: {project: p, service: s}}\n  image: a:1\n",
             "metadata.name: \"Api_1\" is not a valid name"},
        Case{"two url sources",
             release("  migration:\n    database: {urlFrom: {env: DB, file: /x}}\n"
                     "    directory: ./m\n    revision: \"0001\"\n"),
             "spec.migration.database.urlFrom: must set exactly one of env, file, secretKeyRef "
             "(got 2)"},
        Case{"sql-dir revision not digits",
             release("  migration:\n    database: {urlFrom: {env: DB}}\n    directory: ./m\n"
                     "    revision: head\n"),
             "spec.migration.revision: \"head\" is not a sql-dir revision"},
        Case{"unknown driver",
             release("  migration:\n    database: {urlFrom: {env: DB}}\n    driver: liquibase\n"
                     "    revision: \"1\"\n"),
             "spec.migration.driver: \"liquibase\" is not one of sql-dir, alembic, golang-migrate, "
             "flyway"},
        Case{"webhook url", release("  notify: [{webhook: {url: \"ftp://x\"}}]\n"),
             "spec.notify[0].webhook.url: \"ftp://x\" is not an http:// or https:// URL"},
        Case{"duplicate key", release("  image: again\n"), "image"},
        Case{"rollback bad target",
             "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: rb}\n"
             "spec: {releaseRef: {name: api}, to: yesterday}\n",
             "spec.to: \"yesterday\" is not a rollback target (allowed: previous, lastKnownGood, "
             "or a "
             "revision number >= 1)"},
        Case{"rollback revision zero",
             "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: rb}\n"
             "spec: {releaseRef: {name: api}, to: 0}\n",
             "spec.to: \"0\" is not a rollback target"},
        Case{"rollback unknown component",
             "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: rb}\n"
             "spec: {releaseRef: {name: api}, components: [image, schema]}\n",
             "spec.components[1]: \"schema\" is not one of image, config, migration"},
        Case{"rollback restoreBackup without migration",
             "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: rb}\n"
             "spec: {releaseRef: {name: api}, components: [image], restoreBackup: true}\n",
             "spec.restoreBackup: needs \"migration\" in spec.components"},
        Case{"rollback without releaseRef",
             "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: rb}\nspec: {to: "
             "previous}\n",
             "spec.releaseRef: is required"},
        Case{"document is not a mapping", "- a\n- b\n",
             "(document): must be a mapping, got sequence"}),
    [](const ::testing::TestParamInfo<Case>& param) {
      std::string n = param.param.name;
      for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(Validation, ReportsEveryErrorOfAFileNotOnlyTheFirst) {
  // Structural errors (an unknown field, a wrong type) and semantic ones
  // (ranges, exactly-one rules) come out of one run.
  const auto errors = errors_of(
      release("  imag: typo\n"
              "  healthCheck: {http: {port: 0}, interval: soon}\n"
              "  strategy: {type: Canary, canary: {steps: [{setWeight: 140}, {setWeight: 101}]}}\n",
              "  target: {}\n"));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("spec.imag: unknown field")));
  EXPECT_THAT(errors, ::testing::Contains(
                          HasSubstr("spec.healthCheck.interval: \"soon\" is not a duration")));
  EXPECT_THAT(errors, ::testing::Contains(
                          HasSubstr("spec.healthCheck.http.port: 0 is not within 1..65535")));
  EXPECT_THAT(errors,
              ::testing::Contains(HasSubstr("steps[0].setWeight: 140 is not within 0..100")));
  EXPECT_THAT(errors,
              ::testing::Contains(HasSubstr("steps[1].setWeight: 101 is not within 0..100")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("spec.target: must set exactly one")));
  EXPECT_EQ(errors.size(), 6U) << ::testing::PrintToString(errors);
}

TEST(Validation, AFieldThatFailedToDecodeIsNotJudgedAgain) {
  // "image" is missing: one error, not also "must not be empty".
  const auto errors = errors_of(
      "apiVersion: rewind.dev/v1alpha1\nkind: Release\nmetadata: {name: a}\nspec:\n"
      "  target: {docker: {project: p, service: s}}\n");
  EXPECT_EQ(errors, std::vector<std::string>{"r.yaml: spec.image: is required (line 5)"});
}

TEST(Validation, NamesTheDocumentOfAMultiDocumentFile) {
  const std::string good = release("");
  const std::string bad =
      release("  strategy: {type: Canary, canary: {port: 8080, steps: [{setWeight: 140}]}}\n");
  const ParseResult r = parse_resources(good + "---\n" + bad, "releases/api.yaml");
  ASSERT_EQ(r.errors.size(), 1U);
  EXPECT_EQ(
      r.errors[0].str(),
      "releases/api.yaml[1]: spec.strategy.canary.steps[0].setWeight: 140 is not within 0..100 "
      "(line 14)");
  // The good document still yields its object.
  ASSERT_EQ(r.objects.size(), 1U);
  EXPECT_EQ(r.objects[0].document, 0U);
}

TEST(Validation, FindsDuplicateNamesInOneNamespaceAcrossFiles) {
  const ParseResult a = parse_resources(release(""), "a.yaml");
  const ParseResult b = parse_resources(release(""), "b.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  // Same name in another namespace, or of another kind, is fine.
  const ParseResult c = parse_resources(
      "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: api, namespace: shop}\n"
      "spec: {releaseRef: {name: api}}\n",
      "c.yaml");
  ASSERT_TRUE(c.ok());
  std::vector<SourcedObject> all{{&a.objects[0].object, "a.yaml", std::nullopt},
                                 {&b.objects[0].object, "b.yaml", std::nullopt},
                                 {&c.objects[0].object, "c.yaml", std::nullopt}};
  const auto dups = find_duplicates(all);
  ASSERT_EQ(dups.size(), 1U);
  EXPECT_EQ(
      dups[0].str(),
      "b.yaml: metadata.name: Release \"api\" in namespace \"shop\" is already defined in a.yaml");
}

TEST(Validation, HttpAndCommandMetricsNeedNoPrometheusNorThreshold) {
  const auto errors = errors_of(release(
      "  analysis:\n    metrics:\n"
      "      - {name: health, http: {path: /health, port: 8080, bodyMatch: ok}}\n"
      "      - {name: smoke, command: {argv: [./smoke.sh, \"{{address}}\"], timeout: 10s}}\n"));
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
}

TEST(Validation, ProgrammaticObjectsAreValidatedToo) {
  Release r;
  r.metadata.name = "api";
  r.spec.image = ImageRef{"a:1"};
  const auto errors = validate_release(r);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].path, "spec.target");
}

}  // namespace
}  // namespace rwd::model
