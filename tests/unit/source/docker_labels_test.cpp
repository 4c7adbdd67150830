// Labels -> Release, grouping by compose service, and the defining container.

#include "rewind/source/docker_labels.hpp"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/execute/platform.hpp"
#include "rewind/execute/release_reconciler.hpp"

#include "source/docker_label_fixtures.hpp"

namespace rwd::source {
namespace {

using testing::compose;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> error_lines(const LabelRead& r) {
  std::vector<std::string> out;
  for (const auto& d : r.errors) out.push_back(d.str());
  return out;
}

TEST(DockerLabels, LabelKeysAreTheOnesRewindPutsOnItsContainers) {
  EXPECT_STREQ(docker_label::kRelease, execute::label::kRelease);
  EXPECT_STREQ(docker_label::kRevision, execute::label::kRevision);
  EXPECT_STREQ(docker_label::kComposeProject, execute::label::kComposeProject);
  EXPECT_STREQ(docker_label::kComposeService, execute::label::kComposeService);
  EXPECT_STREQ(docker_label::kSourceAnnotation, execute::kSourceAnnotation);
  EXPECT_STREQ(docker_label::kSourceValue, execute::kDockerLabelsSource);
}

TEST(DockerLabels, OnlyTheReleaseLabelGivesTheReleaseFieldDefaults) {
  const LabelRead r = read_release_labels(
      compose("shop-api-1").image("rewind-demo:v2").env("DEMO_PORT", "8080").get());
  ASSERT_TRUE(r.release) << ::testing::PrintToString(error_lines(r));
  const model::Release& rel = *r.release;
  EXPECT_EQ(rel.metadata.name, "api");
  EXPECT_EQ(rel.metadata.ns, "shop") << "the namespace defaults to the compose project";
  EXPECT_EQ(rel.metadata.generation, 0) << "derived by the reconciler";
  EXPECT_EQ(rel.metadata.annotations,
            (std::map<std::string, std::string>{{"rewind.dev/source", "docker-labels"}}))
      << "the reconciler never recreates a service whose containers are gone";
  ASSERT_TRUE(rel.spec.target.docker);
  EXPECT_EQ(*rel.spec.target.docker, (model::DockerTarget{"shop", "api"}));
  EXPECT_EQ(rel.spec.image.value(), "rewind-demo:v2");
  EXPECT_EQ(rel.spec.config.env, (std::map<std::string, std::string>{{"DEMO_PORT", "8080"}}));
  EXPECT_TRUE(rel.spec.config.env_files.empty());
  EXPECT_FALSE(rel.spec.health_check);
  EXPECT_FALSE(rel.spec.analysis);
  EXPECT_EQ(rel.spec.strategy.type, model::StrategyType::kRecreate);
  EXPECT_EQ(rel.spec.rollback_policy, model::RollbackPolicy{});
  EXPECT_TRUE(r.errors.empty());
}

TEST(DockerLabels, EveryLabelSetsItsField) {
  using namespace docker_label;
  const LabelRead r = read_release_labels(compose("shop-api-1")
                                              .label(kNamespace, "prod")
                                              .label(kHealthPath, "/ready")
                                              .label(kHealthPort, "9000")
                                              .label(kHealthInterval, "500ms")
                                              .label(kHealthTimeout, "2s")
                                              .label(kHealthSuccess, "2")
                                              .label(kHealthFailure, "5")
                                              .label(kStrategy, "Recreate")
                                              .label(kAnalysisWindow, "90s")
                                              .label(kAnalysisInterval, "5s")
                                              .label(kAutomaticRollback, "false")
                                              .label(kProgressDeadline, "2m")
                                              .get());
  ASSERT_TRUE(r.release) << ::testing::PrintToString(error_lines(r));
  const model::ReleaseSpec& s = r.release->spec;
  EXPECT_EQ(r.release->metadata.ns, "prod");
  ASSERT_TRUE(s.health_check);
  ASSERT_TRUE(s.health_check->http);
  EXPECT_EQ(*s.health_check->http, (model::HttpCheck{"/ready", 9000, "http"}));
  EXPECT_EQ(s.health_check->interval, std::chrono::milliseconds(500));
  EXPECT_EQ(s.health_check->timeout, std::chrono::seconds(2));
  EXPECT_EQ(s.health_check->success_threshold, 2);
  EXPECT_EQ(s.health_check->failure_threshold, 5);
  ASSERT_TRUE(s.analysis);
  EXPECT_EQ(s.analysis->window, std::chrono::seconds(90));
  EXPECT_EQ(s.analysis->interval, std::chrono::seconds(5));
  EXPECT_FALSE(s.rollback_policy.automatic);
  EXPECT_EQ(s.rollback_policy.progress_deadline, std::chrono::minutes(2));
}

TEST(DockerLabels, HealthPathAloneUsesTheOnlyExposedPortAndHealthPortAloneThePathHealth) {
  auto r = read_release_labels(
      compose("shop-api-1").exposes(8080).label(docker_label::kHealthPath, "/up").get());
  ASSERT_TRUE(r.release) << ::testing::PrintToString(error_lines(r));
  EXPECT_EQ(*r.release->spec.health_check->http, (model::HttpCheck{"/up", 8080, "http"}));

  r = read_release_labels(compose("shop-api-1").label(docker_label::kHealthPort, "8080").get());
  ASSERT_TRUE(r.release) << ::testing::PrintToString(error_lines(r));
  EXPECT_EQ(*r.release->spec.health_check->http, (model::HttpCheck{"/health", 8080, "http"}));

  r = read_release_labels(compose("shop-api-1")
                              .exposes(8080)
                              .exposes(9090)
                              .label(docker_label::kHealthPath, "/up")
                              .get());
  EXPECT_THAT(error_lines(r),
              ElementsAre("container shop-api-1: label rewind.dev/health-port: is required with "
                          "rewind.dev/health-path when the container does not expose exactly one "
                          "TCP port (it exposes 8080, 9090)"));
}

TEST(DockerLabels, NamespaceSlashNameIsTheFormRewindWritesOnItsOwnContainers) {
  auto r =
      read_release_labels(compose("shop-api-1").label(docker_label::kRelease, "prod/web").get());
  ASSERT_TRUE(r.release);
  EXPECT_EQ(r.release->metadata.key(), (model::ObjectKey{"prod", "web"}));
  r = read_release_labels(compose("shop-api-1")
                              .label(docker_label::kRelease, "prod/web")
                              .label(docker_label::kNamespace, "prod")
                              .get());
  ASSERT_TRUE(r.release) << "a namespace label that agrees is fine";
  EXPECT_EQ(release_key(compose("x").label(docker_label::kRelease, "prod/web").get()),
            (model::ObjectKey{"prod", "web"}));
  EXPECT_EQ(release_key(compose("x").get()), (model::ObjectKey{"shop", "api"}));
  EXPECT_EQ(release_key(compose("x").label(docker_label::kRelease, "a/b/c").get()), std::nullopt);
}

struct BadLabel {
  std::string key;
  std::string value;
  std::string error;  // the whole line
};

class DockerLabelErrors : public ::testing::TestWithParam<BadLabel> {};

TEST_P(DockerLabelErrors, NameTheContainerTheLabelTheValueAndWhatIsAllowed) {
  const BadLabel& p = GetParam();
  const LabelRead r =
      read_release_labels(compose("shop-api-1").exposes(8080).label(p.key, p.value).get());
  EXPECT_FALSE(r.release);
  EXPECT_THAT(error_lines(r), ElementsAre(p.error));
}

INSTANTIATE_TEST_SUITE_P(
    Table, DockerLabelErrors,
    ::testing::Values(
        BadLabel{
            "rewind.dev/health-port", "80x",
            R"(container shop-api-1: label rewind.dev/health-port: "80x" is not a port (1..65535))"},
        BadLabel{
            "rewind.dev/health-port", "70000",
            R"(container shop-api-1: label rewind.dev/health-port: "70000" is not a port (1..65535))"},
        BadLabel{
            "rewind.dev/health-path", "health",
            R"(container shop-api-1: label rewind.dev/health-path: "health" must start with /)"},
        BadLabel{
            "rewind.dev/health-interval", "0s",
            "container shop-api-1: label rewind.dev/health-interval: 0s must be greater than 0s"},
        BadLabel{
            "rewind.dev/health-timeout", "soon",
            R"(container shop-api-1: label rewind.dev/health-timeout: "soon" is not a duration (e.g. 500ms, 90s, 5m, 1h30m))"},
        BadLabel{
            "rewind.dev/health-failure-threshold", "0",
            R"(container shop-api-1: label rewind.dev/health-failure-threshold: "0" is not a whole number (1..1000))"},
        BadLabel{
            "rewind.dev/strategy", "Canary",
            R"(container shop-api-1: label rewind.dev/strategy: "Canary" is not supported on Docker hosts yet (allowed: Recreate))"},
        BadLabel{
            "rewind.dev/strategy", "rolling",
            R"(container shop-api-1: label rewind.dev/strategy: "rolling" is not a strategy (allowed: Recreate))"},
        BadLabel{
            "rewind.dev/analysis-window", "5 minutes",
            R"(container shop-api-1: label rewind.dev/analysis-window: "5 minutes" is not a duration (e.g. 500ms, 90s, 5m, 1h30m))"},
        BadLabel{
            "rewind.dev/automatic-rollback", "yes",
            R"(container shop-api-1: label rewind.dev/automatic-rollback: "yes" is not true or false)"},
        BadLabel{
            "rewind.dev/release", "Shop_API",
            R"(container shop-api-1: label rewind.dev/release: "Shop_API" is not a valid name (lower case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253))"},
        BadLabel{
            "rewind.dev/release", "a/b/c",
            R"(container shop-api-1: label rewind.dev/release: "a/b/c" is not a name or namespace/name)"},
        BadLabel{
            "rewind.dev/namespace", "Prod",
            R"(container shop-api-1: label rewind.dev/namespace: "Prod" is not a valid namespace (lower case letters, digits and '-', at most 63))"},
        BadLabel{"rewind.dev/health-pth", "/health",
                 "container shop-api-1: label rewind.dev/health-pth: is not a rewind label (known: "
                 "rewind.dev/release, rewind.dev/namespace, rewind.dev/health-path, "
                 "rewind.dev/health-port, rewind.dev/health-interval, rewind.dev/health-timeout, "
                 "rewind.dev/health-success-threshold, rewind.dev/health-failure-threshold, "
                 "rewind.dev/strategy, rewind.dev/analysis-window, rewind.dev/analysis-interval, "
                 "rewind.dev/automatic-rollback, rewind.dev/progress-deadline)"}),
    [](const ::testing::TestParamInfo<BadLabel>& p) {
      std::string name =
          p.param.key.substr(p.param.key.find('/') + 1) + "_" + std::to_string(p.index);
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(DockerLabels, ProblemsOutsideTheLabelsNameWhereTheyCameFrom) {
  auto r = read_release_labels(compose("my_proj-api-1", "my_proj").get());
  EXPECT_THAT(
      error_lines(r),
      ElementsAre(
          R"(container my_proj-api-1: label com.docker.compose.project: "my_proj" is not a valid namespace (lower case letters, digits and '-', at most 63); it is the namespace unless the label rewind.dev/namespace says otherwise)"));
  r = read_release_labels(compose("shop-api-1").image("Shop/API:v2").env("1BAD", "x").get());
  EXPECT_THAT(
      error_lines(r),
      ElementsAre(
          HasSubstr("container shop-api-1: image: \"Shop/API:v2\" is not a valid image reference"),
          HasSubstr("container shop-api-1: env 1BAD: \"1BAD\" is not a valid variable name")));
  r = read_release_labels(compose("shop-api-1")
                              .label(docker_label::kRelease, "prod/api")
                              .label(docker_label::kNamespace, "shop")
                              .get());
  EXPECT_THAT(
      error_lines(r),
      ElementsAre(
          R"(container shop-api-1: label rewind.dev/namespace: "shop" differs from the namespace in rewind.dev/release ("prod/api"))"));
}

TEST(DockerLabels, EveryProblemIsReportedAtOnce) {
  const LabelRead r = read_release_labels(compose("shop-api-1")
                                              .label(docker_label::kHealthPort, "80x")
                                              .label(docker_label::kStrategy, "BlueGreen")
                                              .label(docker_label::kAutomaticRollback, "1")
                                              .get());
  EXPECT_FALSE(r.release);
  EXPECT_EQ(r.errors.size(), 3U) << ::testing::PrintToString(error_lines(r));
}

TEST(DockerLabels, ServicesAreGroupedNewestFirstWithoutOneoffAndNonComposeContainers) {
  ServiceGroups g = group_by_service({
      compose("shop-api-1").created(1),
      compose("shop-api-1-new").id("b").created(3),
      compose("shop-web-1", "shop", "web").created(2),
      compose("shop-api-run-1").label(docker_label::kComposeOneoff, "True").created(9),
      compose("loose").without(docker_label::kComposeProject).created(4),
  });
  ASSERT_EQ(g.services.size(), 2U);
  const auto& api = g.services.at(ServiceKey{"shop", "api"});
  ASSERT_EQ(api.size(), 2U);
  EXPECT_EQ(api[0].name, "shop-api-1-new");
  EXPECT_EQ(api[1].name, "shop-api-1");
  EXPECT_EQ(g.services.at(ServiceKey{"shop", "web"}).size(), 1U);
  ASSERT_EQ(g.errors.size(), 1U);
  EXPECT_EQ(g.errors[0].str(),
            "container loose: label rewind.dev/release: the container is not part of a compose "
            "service (no com.docker.compose.project/com.docker.compose.service labels); only "
            "compose services can be Releases");
}

TEST(DockerLabels, TheDefiningContainerIsTheNewestOneRewindDidNotCreate) {
  const std::vector<LabelledContainer> newest_first{
      compose("shop-api-1-rewind-r1").by_rewind(1).created(5),
      compose("shop-api-1").image("rewind-demo:v3").stopped().created(4),
      compose("shop-api-1-old").image("rewind-demo:v2").created(1)};
  const LabelledContainer* d = defining_container(newest_first);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->image, "rewind-demo:v3") << "stopped or not, compose created it last";
  EXPECT_EQ(defining_container({compose("a").by_rewind(1), compose("b").by_rewind(2)}), nullptr);
}

TEST(DockerLabels, TheLabelledComposeExampleMakesAValidRelease) {
  std::ifstream in(std::string(REWIND_SOURCE_DIR) + "/examples/compose-host/compose.labels.yaml");
  ASSERT_TRUE(in) << "examples/compose-host/compose.labels.yaml";
  std::stringstream text;
  text << in.rdbuf();
  const model::LoadedDocuments loaded = model::load_yaml(text.str());
  ASSERT_TRUE(loaded.ok());
  const model::Node* services = loaded.documents.at(0).find("services");
  ASSERT_NE(services, nullptr);
  const model::Node* web = services->find("web");
  ASSERT_NE(web, nullptr);
  // What compose makes of it: the service's image, environment and labels,
  // the image's EXPOSE 8080.
  testing::ContainerBuilder b = compose("shop-web-1", "shop", "web");
  b.image(web->find("image")->text()).exposes(8080);
  for (const auto& [k, v] : web->find("environment")->entries()) b.env(k, v.text());
  for (const auto& [k, v] : web->find("labels")->entries()) b.label(k, v.text());
  const LabelRead r = read_release_labels(b.get());
  ASSERT_TRUE(r.release) << ::testing::PrintToString(error_lines(r));
  EXPECT_EQ(r.release->metadata.key(), (model::ObjectKey{"shop", "web"}));
  EXPECT_EQ(r.release->spec.image.value(), "rewind-demo:v1");
  ASSERT_TRUE(r.release->spec.health_check && r.release->spec.health_check->http);
  EXPECT_EQ(r.release->spec.health_check->http->port, 8080);
  ASSERT_TRUE(r.release->spec.analysis);
  EXPECT_EQ(r.release->spec.analysis->window, std::chrono::seconds(30));
}

}  // namespace
}  // namespace rwd::source
