// Decoding, validation and encoding of Release and Rollback resources.

#include "rewind/model/codec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::model {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kFullRelease = R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata:
  name: api
  namespace: shop
  generation: 4
  labels: {team: payments}
spec:
  target:
    docker: {project: shop, service: api}
  image: registry.local:5000/shop-api:v1.2.4
  config:
    env: {LOG_LEVEL: info, PORT: 8000}
    envFiles: [./env/api.env]
  migration:
    database: {urlFrom: {env: SHOP_DATABASE_URL}}
    driver: sql-dir
    directory: ./migrations
    revision: "0007"
    backup: {required: true, directory: /var/backups/rewind, maxAge: 24h}
    quiesce: [worker]
    verifyTables: [users, orders]
  strategy:
    type: Canary
    canary:
      router: nginx
      steps: [{setWeight: 10}, {pause: 60s}, {analysis: {}}, {setWeight: 50}, {pause: {}}]
  healthCheck: {http: {path: /health, port: 8000}, interval: 2s, timeout: 1s, successThreshold: 1, failureThreshold: 3}
  analysis:
    interval: 10s
    window: 5m
    prometheus: {address: "http://127.0.0.1:9090"}
    metrics:
      - name: error-rate
        query: sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))
        failIf: "> 0.05"
      - name: p95-latency
        query: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[1m])) by (le))
        failIf: "> 3x baseline"
        warnIf: "> 2"
      - name: health-latency
        http: {path: /health, port: 8000, expectStatus: 200, bodyMatch: ok, timeout: 2s}
        failIf: "> 0.5"
        failureLimit: 2
      - name: contract
        command: {argv: [./contract-test.sh, "{{address}}", "{{revision}}"], timeout: 45s}
        inconclusiveLimit: 1
    smoke: {command: ["./smoke-test.sh"], timeout: 60s}
  rollbackPolicy: {automatic: true, revisionHistoryLimit: 10, progressDeadline: 5m}
  notify: [{webhook: {url: "http://127.0.0.1:8099/hook"}}]
)";

ParseResult parse(const std::string& text, const std::string& source = "releases/api.yaml") {
  return parse_resources(text, source);
}

std::vector<std::string> messages(const ParseResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.errors) out.push_back(d.str());
  return out;
}

TEST(Codec, DecodesEveryFieldOfAFullRelease) {
  const ParseResult r = parse(kFullRelease);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(messages(r));
  ASSERT_EQ(r.objects.size(), 1U);
  const auto& rel = std::get<Release>(r.objects[0].object);
  EXPECT_EQ(rel.metadata.name, "api");
  EXPECT_EQ(rel.metadata.ns, "shop");
  EXPECT_EQ(rel.metadata.generation, 4);
  EXPECT_EQ(rel.metadata.labels.at("team"), "payments");
  ASSERT_TRUE(rel.spec.target.docker);
  EXPECT_EQ(rel.spec.target.docker->service, "api");
  EXPECT_EQ(rel.spec.image.value(), "registry.local:5000/shop-api:v1.2.4");
  EXPECT_EQ(rel.spec.config.env.at("PORT"), "8000");
  ASSERT_TRUE(rel.spec.migration);
  EXPECT_EQ(rel.spec.migration->revision, "0007");
  EXPECT_EQ(rel.spec.migration->database.env, "SHOP_DATABASE_URL");
  EXPECT_EQ(rel.spec.migration->backup.max_age, std::chrono::hours(24));
  EXPECT_THAT(rel.spec.migration->verify_tables, ElementsAre("users", "orders"));
  EXPECT_EQ(rel.spec.strategy.type, StrategyType::kCanary);
  ASSERT_TRUE(rel.spec.strategy.canary);
  const auto& steps = rel.spec.strategy.canary->steps;
  ASSERT_EQ(steps.size(), 5U);
  EXPECT_EQ(std::get<SetWeightStep>(steps[0]).weight, 10);
  EXPECT_EQ(std::get<PauseStep>(steps[1]).duration, std::chrono::seconds(60));
  EXPECT_TRUE(std::holds_alternative<AnalysisStep>(steps[2]));
  EXPECT_FALSE(std::get<PauseStep>(steps[4]).duration.has_value());
  ASSERT_TRUE(rel.spec.health_check && rel.spec.health_check->http);
  EXPECT_EQ(rel.spec.health_check->http->port, 8000);
  ASSERT_TRUE(rel.spec.analysis);
  ASSERT_EQ(rel.spec.analysis->metrics.size(), 4U);
  EXPECT_TRUE(rel.spec.analysis->metrics[1].fail_if->relative_to_baseline);
  EXPECT_EQ(rel.spec.analysis->metrics[1].fail_if->value, 3.0);
  const MetricSpec& health = rel.spec.analysis->metrics[2];
  EXPECT_TRUE(health.query.empty());
  ASSERT_TRUE(health.http);
  EXPECT_FALSE(health.command);
  EXPECT_EQ(health.http->path, "/health");
  EXPECT_EQ(health.http->port, 8000);
  EXPECT_EQ(health.http->expect_status, 200);
  EXPECT_EQ(health.http->body_match, "ok");
  EXPECT_EQ(health.http->timeout, std::chrono::seconds(2));
  EXPECT_EQ(health.failure_limit, 2);
  const MetricSpec& contract = rel.spec.analysis->metrics[3];
  ASSERT_TRUE(contract.command);
  EXPECT_FALSE(contract.http);
  EXPECT_THAT(contract.command->argv,
              ElementsAre("./contract-test.sh", "{{address}}", "{{revision}}"));
  EXPECT_EQ(contract.command->timeout, std::chrono::seconds(45));
  EXPECT_FALSE(contract.fail_if);  // the judge applies "!= 0"
  EXPECT_EQ(rel.spec.analysis->smoke->command, std::vector<std::string>{"./smoke-test.sh"});
  EXPECT_EQ(rel.spec.notify.at(0).webhook->url, "http://127.0.0.1:8099/hook");
}

TEST(Codec, DefaultsApplyWhenFieldsAreAbsent) {
  const ParseResult r = parse(R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: web}
spec:
  target: {docker: {project: p, service: web}}
  image: web:1
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(messages(r));
  const auto& rel = std::get<Release>(r.objects[0].object);
  EXPECT_EQ(rel.metadata.ns, "default");
  EXPECT_EQ(rel.spec.strategy.type, StrategyType::kRecreate);
  EXPECT_TRUE(rel.spec.rollback_policy.automatic);
  EXPECT_EQ(rel.spec.rollback_policy.revision_history_limit, 10);
  EXPECT_EQ(rel.spec.rollback_policy.progress_deadline, std::chrono::minutes(5));
  EXPECT_FALSE(rel.spec.migration);
}

TEST(Codec, MetricProvidersTakeTheirDefaults) {
  const ParseResult r = parse(R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: web}
spec:
  target: {docker: {project: p, service: web}}
  image: web:1
  analysis:
    metrics:
      - {name: up, http: {}}
      - {name: smoke, command: {argv: [/bin/true]}}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(messages(r));
  const auto& metrics = std::get<Release>(r.objects[0].object).spec.analysis->metrics;
  ASSERT_EQ(metrics.size(), 2U);
  EXPECT_EQ(metrics[0].http, HttpMetric{});
  EXPECT_EQ(metrics[0].http->path, "/health");
  EXPECT_EQ(metrics[0].http->port, 0);
  EXPECT_EQ(metrics[0].http->expect_status, 200);
  EXPECT_EQ(metrics[0].http->timeout, std::chrono::seconds(2));
  EXPECT_EQ(metrics[1].command->timeout, std::chrono::seconds(30));

  // What is written back reads back the same; a port of 0 and an empty
  // bodyMatch are left out.
  const Json j = to_json(std::get<Release>(r.objects[0].object));
  const Json& http = j["spec"]["analysis"]["metrics"][0]["http"];
  EXPECT_FALSE(http.contains("port")) << http.dump();
  EXPECT_FALSE(http.contains("bodyMatch")) << http.dump();
  EXPECT_FALSE(j["spec"]["analysis"]["metrics"][0].contains("query"));
  const ParseResult again = parse(to_yaml(j), "again.yaml");
  ASSERT_TRUE(again.ok()) << ::testing::PrintToString(messages(again));
  EXPECT_EQ(std::get<Release>(again.objects[0].object), std::get<Release>(r.objects[0].object));
}

TEST(Codec, ReleaseRoundTripsThroughYamlAndJson) {
  const ParseResult first = parse(kFullRelease);
  ASSERT_TRUE(first.ok());
  const auto& original = std::get<Release>(first.objects[0].object);

  const std::string yaml = to_yaml(to_json(original));
  const ParseResult again = parse(yaml, "roundtrip.yaml");
  ASSERT_TRUE(again.ok()) << ::testing::PrintToString(messages(again)) << "\n" << yaml;
  EXPECT_EQ(std::get<Release>(again.objects[0].object), original);

  const std::string json = to_json(original).dump();
  LoadedDocuments docs = load_json(json);
  ASSERT_TRUE(docs.ok());
  std::vector<FieldError> errors;
  auto from_json = decode_release(docs.documents.at(0), errors);
  ASSERT_TRUE(from_json) << ::testing::PrintToString(errors);
  EXPECT_EQ(*from_json, original);
}

TEST(Codec, StatusRoundTrips) {
  Release r = std::get<Release>(parse(kFullRelease).objects.at(0).object);
  r.status.observed_generation = 4;
  r.status.phase = ReleasePhase::kRolledBack;
  r.status.current_revision = RevisionNumber{5};
  r.status.stable_revision = RevisionNumber{5};
  r.status.pin = Pin{RevisionNumber{5}, 4, "api-incident-42"};
  r.status.observed = ObservedRevision{ImageRef{"shop-api:v1.2.3"}, "0123456789abcdef", "0005"};
  const auto t = *parse_timestamp("2026-11-21T07:38:26.120Z");
  r.status.conditions.push_back(
      Condition{"RolledBack", ConditionStatus::kTrue, "RevertedInSource", "back to 5", t, 4});
  r.status.last_rollback = LastRollback{RevisionNumber{6},
                                        RevisionNumber{5},
                                        "Rollback/incident-42",
                                        t,
                                        t + std::chrono::milliseconds(3200),
                                        3.2,
                                        true};
  r.status.progress =
      PlanProgress{RevisionNumber{6}, "abc", 2, true, *parse_timestamp("2026-11-21T08:00:00Z")};
  r.status.message = "ok";
  {  // a rollback from an unknown revision (0) reads back as written
    Release unknown_from = r;
    unknown_from.status.last_rollback->from = RevisionNumber{0};
    const ParseResult back = parse(to_yaml(to_json(unknown_from)));
    ASSERT_TRUE(back.ok()) << ::testing::PrintToString(messages(back));
    EXPECT_EQ(std::get<Release>(back.objects[0].object), unknown_from);
  }
  const ParseResult again = parse(to_yaml(to_json(r)));
  ASSERT_TRUE(again.ok()) << ::testing::PrintToString(messages(again));
  EXPECT_EQ(std::get<Release>(again.objects[0].object), r);
}

TEST(Codec, RollbackRoundTripsAndAcceptsEveryTargetForm) {
  for (const std::string to : {"previous", "lastKnownGood", "3", "\"3\""}) {
    const ParseResult r = parse(R"(apiVersion: rewind.dev/v1alpha1
kind: Rollback
metadata: {name: api-incident-42, namespace: shop}
spec:
  releaseRef: {name: api}
  to: )" + to + R"(
  components: [image, config]
  reason: "5xx above 10% after v1.2.4"
)");
    ASSERT_TRUE(r.ok()) << to << ": " << ::testing::PrintToString(messages(r));
    const auto& rb = std::get<Rollback>(r.objects[0].object);
    EXPECT_EQ(rb.spec.release_name, "api");
    EXPECT_THAT(rb.spec.components, ElementsAre(Component::kImage, Component::kConfig));
    EXPECT_FALSE(rb.spec.includes(Component::kMigration));
    const ParseResult again = parse(to_yaml(to_json(rb)));
    ASSERT_TRUE(again.ok()) << ::testing::PrintToString(messages(again));
    EXPECT_EQ(std::get<Rollback>(again.objects[0].object), rb);
  }
}

TEST(Codec, HistoryRoundTrips) {
  const Release rel = std::get<Release>(parse(kFullRelease).objects.at(0).object);
  History h;
  RevisionRecord rec;
  rec.number = RevisionNumber{1};
  rec.revision = Revision{rel.spec.image, "0011223344556677", "0007"};
  rec.hash = revision_hash(rec.revision);
  rec.spec = rel.spec;
  rec.generation = 4;
  rec.created_at = *parse_timestamp("2026-11-21T07:00:00Z");
  rec.live_at = rec.created_at + std::chrono::seconds(3);
  rec.healthy_at = rec.created_at + std::chrono::seconds(9);
  rec.outcome = RevisionOutcome::kHealthy;
  rec.backup = BackupRecord{"/var/backups/x.dump", 1234, "ab", true, rec.created_at};
  rec.env_files = {{"./env/api.env", "LOG_LEVEL=debug\nPORT=8000\n"}};
  h.revisions.push_back(rec);
  rec.number = RevisionNumber{2};
  rec.outcome = RevisionOutcome::kFailedAnalysis;
  rec.outcome_reason = "analysis/error-rate: 0.12 > 0.05";
  h.revisions.push_back(rec);

  LoadedDocuments docs = load_json(to_json(h).dump());
  ASSERT_TRUE(docs.ok());
  std::vector<FieldError> errors;
  auto back = decode_history(docs.documents.at(0), errors);
  ASSERT_TRUE(back) << ::testing::PrintToString(errors);
  EXPECT_EQ(*back, h);
}

TEST(Codec, YamlOutputQuotesStringsThatLookLikeOtherTypes) {
  const std::string y = to_yaml(Json{
      {"a", "0007"}, {"b", "true"}, {"c", "null"}, {"d", "1.5"}, {"e", "v1"}, {"f", 7}, {"g", ""}});
  EXPECT_THAT(y, HasSubstr("a: \"0007\""));
  EXPECT_THAT(y, HasSubstr("b: \"true\""));
  EXPECT_THAT(y, HasSubstr("c: \"null\""));
  EXPECT_THAT(y, HasSubstr("d: \"1.5\""));
  EXPECT_THAT(y, HasSubstr("e: v1"));
  EXPECT_THAT(y, HasSubstr("f: 7"));
  EXPECT_THAT(y, HasSubstr("g: \"\""));
}

}  // namespace
}  // namespace rwd::model
