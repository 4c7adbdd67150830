// The CRDs in crds/, the examples in examples/ and the codec agree:
//  - every example decodes and validates without errors (parse_resources);
//  - every example document matches the OpenAPI schema of its CRD, so the
//    API server accepts it and prunes nothing;
//  - what rewind writes back (to_json of specs and of full statuses) matches
//    the schema too, so status updates are never refused;
//  - the CRDs are structural, declare the status subresource, the printer
//    columns, short names and categories.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/model/codec.hpp"
#include "rewind/model/document.hpp"

#include "schema_walker.hpp"

namespace rwd::model {
namespace {

namespace fs = std::filesystem;
using schema_check::child;
using schema_check::flag;
using schema_check::item;
using schema_check::SchemaWalker;
using schema_check::strings_of;
using schema_check::StructuralChecker;
using schema_check::text_of;

const fs::path kRoot{REWIND_SOURCE_DIR};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string source_name(const fs::path& p) { return fs::relative(p, kRoot).generic_string(); }

std::vector<fs::path> example_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kRoot / "examples")) {
    // Compose files live beside the examples; rewind skips them the same way
    // (source::is_resource_name).
    const std::string name = e.path().filename().string();
    const bool compose = name.rfind("compose.", 0) == 0 || name.rfind("docker-compose.", 0) == 0;
    if (e.is_regular_file() && e.path().extension() == ".yaml" && !compose) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

// A loaded CRD: the whole document, and its first version's schema.
struct Crd {
  std::string file;
  Node doc;
  [[nodiscard]] const Node* spec() const { return child(&doc, "spec"); }
  [[nodiscard]] const Node* version() const { return item(child(spec(), "versions"), 0); }
  [[nodiscard]] const Node* schema() const {
    return child(child(version(), "schema"), "openAPIV3Schema");
  }
  [[nodiscard]] std::string kind() const { return text_of(child(child(spec(), "names"), "kind")); }
  [[nodiscard]] std::string api_version() const {
    return text_of(child(spec(), "group")) + "/" + text_of(child(version(), "name"));
  }
};

Crd load_crd(const std::string& file) {
  const std::string text = read_text(kRoot / "crds" / file);
  EXPECT_FALSE(text.empty()) << "crds/" << file << " is missing or empty";
  LoadedDocuments loaded = load_yaml(text);
  EXPECT_TRUE(loaded.ok()) << "crds/" << file << " does not load: "
                           << (loaded.errors.empty() ? "" : loaded.errors.front().message);
  EXPECT_EQ(loaded.documents.size(), 1U) << "crds/" << file;
  Crd crd{file, loaded.documents.empty() ? Node() : loaded.documents.front()};
  EXPECT_NE(crd.schema(), nullptr) << "crds/" << file << " has no openAPIV3Schema";
  return crd;
}

const Crd& release_crd() {
  static const Crd crd = load_crd("releases.rewind.dev.yaml");
  return crd;
}
const Crd& rollback_crd() {
  static const Crd crd = load_crd("rollbacks.rewind.dev.yaml");
  return crd;
}
const Crd* crd_for_kind(const std::string& kind) {
  if (kind == "Release") return &release_crd();
  if (kind == "Rollback") return &rollback_crd();
  return nullptr;
}

Node yaml(std::string_view text) {
  LoadedDocuments loaded = load_yaml(text);
  EXPECT_TRUE(loaded.ok()) << text;
  EXPECT_EQ(loaded.documents.size(), 1U) << text;
  return loaded.documents.empty() ? Node() : loaded.documents.front();
}

// Schema errors of a document against the CRD of its kind.
std::vector<std::string> schema_errors(const Node& doc) {
  const std::string kind = text_of(child(&doc, "kind"));
  const Crd* crd = crd_for_kind(kind);
  if (crd == nullptr) return {"kind: \"" + kind + "\" has no CRD"};
  std::vector<std::string> errors;
  if (text_of(child(&doc, "apiVersion")) != crd->api_version()) {
    errors.push_back("apiVersion: \"" + text_of(child(&doc, "apiVersion")) + "\" is not " +
                     crd->api_version());
  }
  if (crd->schema() == nullptr) return errors;
  auto more = SchemaWalker().check(doc, *crd->schema());
  errors.insert(errors.end(), more.begin(), more.end());
  return errors;
}

// to_json output read back as a Node tree (JSON is YAML).
Node node_of(const Json& j) { return yaml(j.dump()); }

bool mentions(const std::vector<std::string>& errors, std::string_view text) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

// ---- the examples -------------------------------------------------------

TEST(CrdConformance, ExamplesArePresent) {
  std::vector<std::string> names;
  for (const auto& f : example_files()) names.push_back(source_name(f));
  for (const char* expected :
       {"examples/releases/api.yaml", "examples/releases/web-canary.yaml",
        "examples/releases/worker-bluegreen.yaml", "examples/rollbacks/api-incident-42.yaml",
        "examples/kubernetes/release.yaml"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST(CrdConformance, ExamplesParseWithoutErrors) {
  std::deque<ParseResult> results;  // deque: SourcedObject points into it
  std::vector<SourcedObject> all;
  std::size_t documents = 0;
  for (const auto& file : example_files()) {
    const std::string source = source_name(file);
    const ParseResult& r = results.emplace_back(parse_resources(read_text(file), source));
    std::vector<std::string> diagnostics;
    for (const auto& d : r.errors) diagnostics.push_back(d.str());
    EXPECT_TRUE(r.ok()) << source << ":" << joined(diagnostics);
    EXPECT_GE(r.documents, 1U) << source;
    EXPECT_EQ(r.objects.size(), r.documents) << source;
    documents += r.documents;
    for (const auto& o : r.objects) all.push_back({&o.object, source, o.document});
  }
  EXPECT_GE(documents, 6U);
  std::vector<std::string> duplicates;
  for (const auto& d : find_duplicates(all)) duplicates.push_back(d.str());
  EXPECT_TRUE(duplicates.empty()) << "names must be unique per namespace and kind:"
                                  << joined(duplicates);
}

TEST(CrdConformance, ExamplesMatchCrdSchemas) {
  for (const auto& file : example_files()) {
    const std::string source = source_name(file);
    LoadedDocuments loaded = load_yaml(read_text(file));
    ASSERT_TRUE(loaded.ok()) << source;
    for (std::size_t i = 0; i < loaded.documents.size(); ++i) {
      const auto errors = schema_errors(loaded.documents[i]);
      EXPECT_TRUE(errors.empty()) << source << " document " << i << ":" << joined(errors);
    }
  }
}

TEST(CrdConformance, ExamplesReEncodedMatchCrdSchemas) {
  for (const auto& file : example_files()) {
    const std::string source = source_name(file);
    const ParseResult r = parse_resources(read_text(file), source);
    for (const auto& o : r.objects) {
      const auto errors = schema_errors(node_of(to_json(o.object)));
      EXPECT_TRUE(errors.empty()) << "to_json of " << source << " document " << o.document << ":"
                                  << joined(errors);
    }
  }
}

// ---- what rewind writes: full statuses ----------------------------------

Timestamp at(std::int64_t seconds) {
  return Timestamp{std::chrono::seconds(1'750'000'000 + seconds)};
}

Conditions some_conditions() {
  return {Condition{"Ready", ConditionStatus::kTrue, "Healthy", "revision 5 is healthy", at(1), 4},
          Condition{"RollbackReady", ConditionStatus::kFalse, "NoBackup", "", at(2), 4},
          Condition{"Pinned", ConditionStatus::kUnknown, "Unknown", "", at(3), 4}};
}

TEST(CrdConformance, EncodedReleaseWithFullStatusMatchesSchema) {
  Release r;
  r.metadata.name = "api";
  r.metadata.ns = "shop";
  r.metadata.uid = "0d4f6a1e-2b7c-4c1e-9f65-3a1f4a0b6c11";
  r.metadata.generation = 4;
  r.metadata.resource_version = "12345";
  r.metadata.labels = {{"app", "api"}};
  r.spec.target.kubernetes = KubernetesTarget{"api", "api", "", ""};
  r.spec.image = ImageRef{"rewind-demo:v2"};
  r.spec.config.env = {{"LOG_LEVEL", "info"}};
  r.spec.config.env_files = {"./env/api.env"};
  MigrationSpec m;
  m.database.secret_key_ref = SecretKeyRef{"shop-db", "url"};
  m.directory = "./migrations";
  m.revision = "0002";
  m.quiesce = {"worker"};
  m.verify_tables = {"users", "orders"};
  m.max_row_loss = 10;
  m.drill.every = std::chrono::hours(24);
  r.spec.migration = m;
  r.spec.strategy.type = StrategyType::kCanary;
  r.spec.strategy.canary =
      CanarySpec{"nginx",
                 {SetWeightStep{10}, PauseStep{std::chrono::seconds(60)}, PauseStep{},
                  AnalysisStep{}, AnalysisStep{{"error-rate"}}, SetWeightStep{100}}};
  r.spec.health_check.emplace();
  r.spec.health_check->http = HttpCheck{"/health", 8080, "https"};
  AnalysisSpec a;
  a.prometheus = PrometheusSpec{"http://127.0.0.1:9090"};
  a.metrics = {MetricSpec{"error-rate", "sum(rate(x[1m]))",
                          Threshold{Comparator::kGreater, 0.05, false},
                          Threshold{Comparator::kGreaterEqual, 3, true}, 1, 2}};
  MetricSpec health;
  health.name = "health-latency";
  health.http = HttpMetric{"/health", 8080, 204, "ok", std::chrono::milliseconds(1500)};
  health.fail_if = Threshold{Comparator::kGreater, 0.5, false};
  a.metrics.push_back(health);
  MetricSpec contract;
  contract.name = "contract";
  contract.command = CommandMetric{{"./contract.sh", "{{address}}"}, std::chrono::seconds(45)};
  a.metrics.push_back(contract);
  a.smoke = SmokeSpec{{"./smoke-test.sh"}, std::chrono::seconds(30)};
  r.spec.analysis = a;
  r.spec.notify = {NotifySpec{WebhookSpec{"http://127.0.0.1:8099/hook"}}};

  ReleaseStatus& s = r.status;
  s.observed_generation = 4;
  s.phase = ReleasePhase::kRolledBack;
  s.current_revision = RevisionNumber{5};
  s.stable_revision = RevisionNumber{5};
  s.pin = Pin{RevisionNumber{5}, 4, "api-incident-42"};
  s.observed = ObservedRevision{ImageRef{"rewind-demo:v1"}, "0123456789abcdef", "0001"};
  s.conditions = some_conditions();
  s.last_rollback = LastRollback{
      RevisionNumber{6}, RevisionNumber{5}, "analysis/error-rate", at(10), at(13), 3.2};
  s.progress = PlanProgress{RevisionNumber{6}, "f00dfeed", 3, true, at(9)};
  MigrationStatus& ms = s.migration.emplace();
  ms.revision = "0001";
  ms.last_backup =
      BackupRecord{"/var/backups/rewind/app-1.dump", 4096, std::string(64, 'a'), true, at(8)};
  ms.row_counts = {RowCount{"users", 50, 48}, RowCount{"orders", 5, std::nullopt}};
  ms.restored_from = "/var/backups/rewind/app-0.dump";
  ms.kept_as = "app_before_rollback_20261121T080000Z";
  ms.exported_rows = "/var/backups/rewind/app_before_rollback_20261121T080000Z-1.dump";
  ms.last_drill = DrillRecord{at(7), true, 2.5, "/var/backups/rewind/app-1.dump", "copy migrated"};
  s.message = "rolled back to revision 5";

  const Json j = to_json(r);
  const auto errors = schema_errors(node_of(j));
  EXPECT_TRUE(errors.empty()) << j.dump(2) << joined(errors);
  // Every status field the model has is written, so the check above covers them.
  for (const char* key :
       {"observedGeneration", "phase", "currentRevision", "stableRevision", "pin", "observed",
        "conditions", "lastRollback", "progress", "migration", "message"}) {
    EXPECT_TRUE(j.contains("status") && j["status"].contains(key)) << "status." << key;
  }
}

TEST(CrdConformance, EncodedRollbackWithFullStatusMatchesSchema) {
  Rollback r;
  r.metadata.name = "api-incident-42";
  r.metadata.ns = "shop";
  r.spec.release_name = "api";
  r.spec.to = RollbackTarget{RollbackTarget::Kind::kRevision, RevisionNumber{3}};
  r.spec.components = {Component::kImage, Component::kMigration};
  r.spec.restore_backup = true;
  r.spec.emergency = true;
  r.spec.reason = "5xx above 10% after v1.2.4";
  RollbackStatus& s = r.status;
  s.observed_generation = 1;
  s.phase = RollbackPhase::kFailed;
  s.from_revision = RevisionNumber{6};
  s.to_revision = RevisionNumber{3};
  s.plan = {StepStatus{"backup", "pg_dump shop", StepState::kSucceeded, at(1), at(2), ""},
            StepStatus{"migrate", "down-migrate 0007 -> 0005", StepState::kFailed, at(2), at(3),
                       "relation \"orders\" is locked"},
            StepStatus{"start", "start rewind-demo:v1", StepState::kSkipped, {}, {}, ""},
            StepStatus{"notify", "", StepState::kPending, {}, {}, ""}};
  s.backup =
      BackupRecord{"/var/backups/rewind/shop-6.dump", 1 << 20, std::string(64, 'a'), true, at(2)};
  s.conditions = {Condition{"Complete", ConditionStatus::kFalse, "StepFailed", "", at(3), 1},
                  Condition{"Failed", ConditionStatus::kTrue, "StepFailed", "migrate", at(3), 1}};
  s.started_at = at(1);
  s.finished_at = at(3);
  s.message = "migrate failed";

  for (const auto& to : {RollbackTarget{RollbackTarget::Kind::kRevision, RevisionNumber{3}},
                         RollbackTarget{RollbackTarget::Kind::kPrevious, {}},
                         RollbackTarget{RollbackTarget::Kind::kLastKnownGood, {}}}) {
    r.spec.to = to;
    const Json j = to_json(r);
    const auto errors = schema_errors(node_of(j));
    EXPECT_TRUE(errors.empty()) << j.dump(2) << joined(errors);
  }
}

// ---- the CRDs themselves ------------------------------------------------

struct Column {
  std::string name;
  std::string type;
  std::string json_path;
};

void expect_crd(const Crd& crd, const std::string& plural, const std::string& kind,
                const std::string& short_name, const std::vector<Column>& columns) {
  SCOPED_TRACE(crd.file);
  EXPECT_EQ(text_of(child(&crd.doc, "apiVersion")), "apiextensions.k8s.io/v1");
  EXPECT_EQ(text_of(child(&crd.doc, "kind")), "CustomResourceDefinition");
  EXPECT_EQ(text_of(child(child(&crd.doc, "metadata"), "name")), plural + ".rewind.dev");
  const Node* spec = crd.spec();
  EXPECT_EQ(text_of(child(spec, "group")), "rewind.dev");
  EXPECT_EQ(text_of(child(spec, "scope")), "Namespaced");
  const Node* names = child(spec, "names");
  EXPECT_EQ(text_of(child(names, "kind")), kind);
  EXPECT_EQ(text_of(child(names, "plural")), plural);
  EXPECT_EQ(strings_of(child(names, "shortNames")), std::vector<std::string>{short_name});
  EXPECT_EQ(strings_of(child(names, "categories")), std::vector<std::string>{"rewind"});

  const Node* versions = child(spec, "versions");
  ASSERT_NE(versions, nullptr);
  ASSERT_EQ(versions->items().size(), 1U);
  const Node* v = crd.version();
  EXPECT_EQ(text_of(child(v, "name")), "v1alpha1");
  EXPECT_TRUE(flag(*v, "served"));
  EXPECT_TRUE(flag(*v, "storage"));

  const Node* status = child(child(v, "subresources"), "status");
  ASSERT_NE(status, nullptr) << "no status subresource";
  EXPECT_TRUE(status->is_mapping() && status->entries().empty()) << "status: {} expected";
  ASSERT_NE(child(child(crd.schema(), "properties"), "status"), nullptr);

  const Node* printed = child(v, "additionalPrinterColumns");
  ASSERT_NE(printed, nullptr) << "no printer columns";
  ASSERT_EQ(printed->items().size(), columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const Node& c = printed->items()[i];
    EXPECT_EQ(text_of(child(&c, "name")), columns[i].name);
    EXPECT_EQ(text_of(child(&c, "type")), columns[i].type) << columns[i].name;
    EXPECT_EQ(text_of(child(&c, "jsonPath")), columns[i].json_path) << columns[i].name;
  }
}

TEST(CrdDefinition, ReleaseDeclaresNamesStatusSubresourceAndPrinterColumns) {
  expect_crd(release_crd(), "releases", "Release", "rel",
             {{"Image", "string", ".spec.image"},
              {"Phase", "string", ".status.phase"},
              {"Revision", "integer", ".status.currentRevision"},
              {"Age", "date", ".metadata.creationTimestamp"}});
}

TEST(CrdDefinition, RollbackDeclaresNamesStatusSubresourceAndPrinterColumns) {
  expect_crd(rollback_crd(), "rollbacks", "Rollback", "rb",
             {{"Release", "string", ".spec.releaseRef.name"},
              {"Target", "string", ".spec.to"},
              {"Phase", "string", ".status.phase"},
              {"Age", "date", ".metadata.creationTimestamp"}});
}

TEST(CrdDefinition, SchemasAreStructural) {
  for (const Crd* crd : {&release_crd(), &rollback_crd()}) {
    ASSERT_NE(crd->schema(), nullptr) << crd->file;
    const auto problems = StructuralChecker().check(*crd->schema());
    EXPECT_TRUE(problems.empty()) << crd->file << ":" << joined(problems);
  }
}

TEST(CrdDefinition, SchemasRequireWhatTheModelRequires) {
  const Node* release_spec = child(child(release_crd().schema(), "properties"), "spec");
  EXPECT_EQ(strings_of(child(release_spec, "required")),
            (std::vector<std::string>{"target", "image"}));
  const Node* rollback_spec = child(child(rollback_crd().schema(), "properties"), "spec");
  EXPECT_EQ(strings_of(child(rollback_spec, "required")), std::vector<std::string>{"releaseRef"});
  EXPECT_EQ(strings_of(child(child(child(rollback_spec, "properties"), "releaseRef"), "required")),
            std::vector<std::string>{"name"});
}

// ---- the walker catches what the API server would refuse ----------------

constexpr std::string_view kMinimalRelease = R"(
apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api, namespace: shop}
spec:
  target: {docker: {project: shop, service: api}}
  image: rewind-demo:v2
)";

Node release_with(std::string_view spec_tail) {
  return yaml(std::string(kMinimalRelease) + std::string(spec_tail));
}

TEST(CrdSchemaWalker, AcceptsAMinimalRelease) {
  const auto errors = schema_errors(yaml(kMinimalRelease));
  EXPECT_TRUE(errors.empty()) << joined(errors);
}

TEST(CrdSchemaWalker, CatchesAMissingRequiredField) {
  const auto errors = schema_errors(yaml(R"(
apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api}
spec:
  target: {docker: {project: shop}}
)"));
  EXPECT_TRUE(mentions(errors, "spec.image: is required")) << joined(errors);
  EXPECT_TRUE(mentions(errors, "spec.target.docker.service: is required")) << joined(errors);

  const auto rb = schema_errors(yaml(R"(
apiVersion: rewind.dev/v1alpha1
kind: Rollback
metadata: {name: rb}
spec: {releaseRef: {}, to: previous}
)"));
  EXPECT_TRUE(mentions(rb, "spec.releaseRef.name: is required")) << joined(rb);
}

TEST(CrdSchemaWalker, CatchesABadEnumValue) {
  const auto errors = schema_errors(release_with("  strategy: {type: Rolling}\n"));
  EXPECT_TRUE(mentions(errors, "spec.strategy.type: Rolling is not one of")) << joined(errors);

  const auto driver = schema_errors(release_with(R"(  migration:
    database: {urlFrom: {env: DB}}
    driver: liquibase
    revision: "1"
)"));
  EXPECT_TRUE(mentions(driver, "spec.migration.driver")) << joined(driver);

  const auto rb = schema_errors(yaml(R"(
apiVersion: rewind.dev/v1alpha1
kind: Rollback
metadata: {name: rb}
spec: {releaseRef: {name: api}, components: [image, database]}
status: {phase: Done, conditions: [{type: Complete, status: "true"}]}
)"));
  EXPECT_TRUE(mentions(rb, "spec.components[1]")) << joined(rb);
  EXPECT_TRUE(mentions(rb, "status.phase")) << joined(rb);
  EXPECT_TRUE(mentions(rb, "status.conditions[0].status")) << joined(rb);
}

TEST(CrdSchemaWalker, CatchesAnUndeclaredField) {
  const auto errors = schema_errors(release_with("  imagePullPolicy: Always\n"));
  EXPECT_TRUE(mentions(errors, "spec.imagePullPolicy: is not declared")) << joined(errors);

  const auto nested = schema_errors(release_with("  healthCheck: {http: {port: 80, host: x}}\n"));
  EXPECT_TRUE(mentions(nested, "spec.healthCheck.http.host: is not declared")) << joined(nested);

  const auto snake = schema_errors(release_with("  rollbackPolicy: {revision_history_limit: 3}\n"));
  EXPECT_TRUE(mentions(snake, "spec.rollbackPolicy.revision_history_limit")) << joined(snake);

  const auto meta = schema_errors(yaml(R"(
apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api, nmespace: shop}
spec: {target: {docker: {project: shop, service: api}}, image: a}
)"));
  EXPECT_TRUE(mentions(meta, "metadata.nmespace")) << joined(meta);
}

TEST(CrdSchemaWalker, CatchesWrongTypesAndRanges) {
  const auto port = schema_errors(release_with("  healthCheck: {http: {port: \"8080\"}}\n"));
  EXPECT_TRUE(mentions(port, "spec.healthCheck.http.port: must be of type integer"))
      << joined(port);

  const auto range = schema_errors(release_with(R"(  healthCheck: {http: {port: 70000}}
  rollbackPolicy: {revisionHistoryLimit: 0}
  strategy:
    type: Canary
    canary: {steps: [{setWeight: 140}]}
)"));
  EXPECT_TRUE(mentions(range, "spec.healthCheck.http.port: 70000 is greater than"))
      << joined(range);
  EXPECT_TRUE(mentions(range, "spec.rollbackPolicy.revisionHistoryLimit: 0 is less than"))
      << joined(range);
  EXPECT_TRUE(mentions(range, "spec.strategy.canary.steps[0].setWeight: 140")) << joined(range);

  const auto revision = schema_errors(release_with(R"(  migration:
    database: {urlFrom: {env: DB}}
    revision: 7
)"));
  EXPECT_TRUE(mentions(revision, "spec.migration.revision: must be of type string"))
      << joined(revision);

  const auto yes = schema_errors(release_with("  rollbackPolicy: {automatic: \"yes\"}\n"));
  EXPECT_TRUE(mentions(yes, "spec.rollbackPolicy.automatic: must be of type boolean"))
      << joined(yes);
}

TEST(CrdSchemaWalker, CanaryStepsAreOneKeyMappings) {
  const auto good = schema_errors(release_with(R"(  strategy:
    type: Canary
    canary:
      steps:
        - {setWeight: 10}
        - {pause: 60s}
        - {pause: {}}
        - {analysis: {}}
        - {analysis: {metrics: [a]}}
)"));
  EXPECT_TRUE(good.empty()) << joined(good);

  const auto two = schema_errors(release_with(R"(  strategy:
    type: Canary
    canary: {steps: [{setWeight: 10, pause: 60s}]}
)"));
  EXPECT_TRUE(mentions(two, "spec.strategy.canary.steps[0]: has more than 1 fields"))
      << joined(two);

  const auto unknown = schema_errors(release_with(R"(  strategy:
    type: Canary
    canary: {steps: [{setWeigth: 10}]}
)"));
  EXPECT_TRUE(mentions(unknown, "steps[0].setWeigth: is not declared")) << joined(unknown);
}

TEST(CrdSchemaWalker, TargetAndUrlSourceAreExactlyOne) {
  const auto both = schema_errors(yaml(R"(
apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api}
spec:
  target: {docker: {project: shop, service: api}, kubernetes: {deployment: api}}
  image: a
)"));
  EXPECT_TRUE(mentions(both, "spec.target")) << joined(both);

  const auto two_urls = schema_errors(release_with(R"(  migration:
    database: {urlFrom: {env: DB, file: /run/secrets/db}}
    revision: "1"
)"));
  EXPECT_TRUE(mentions(two_urls, "spec.migration.database.urlFrom")) << joined(two_urls);
}

TEST(CrdSchemaWalker, AMetricHasExactlyOneProvider) {
  auto metric = [](std::string_view m) {
    return schema_errors(
        release_with("  analysis:\n    prometheus: {address: \"http://p:9090\"}\n"
                     "    metrics: [" +
                     std::string(m) + "]\n"));
  };
  for (
      std::string_view ok :
      {R"({name: e, query: q, failIf: "> 1"})", R"({name: e, query: q, warnIf: "> 1"})",
       R"({name: h, http: {}})",
       R"({name: h, http: {path: /health, port: 8080, expectStatus: 503, bodyMatch: x, timeout: 2s}})",
       R"({name: c, command: {argv: [/bin/true]}})",
       R"({name: c, command: {argv: [/bin/true], timeout: 30s}, failIf: "> 1"})"}) {
    const auto errors = metric(ok);
    EXPECT_TRUE(errors.empty()) << ok << joined(errors);
  }
  for (std::string_view bad : {R"({name: e, failIf: "> 1"})",  // no provider
                               R"({name: e, query: q})",       // query needs a threshold
                               R"({name: e, query: q, failIf: "> 1", http: {}})",  // two providers
                               R"({name: e, http: {}, command: {argv: [x]}})",     // two providers
                               R"({name: c, command: {timeout: 5s}})",             // argv required
                               R"({name: c, command: {argv: []}})",                // argv empty
                               R"({name: h, http: {port: 0}})",                    // port range
                               R"({name: h, http: {expectStatus: 42}})",           // status range
                               R"({name: h, http: {path: health}})",               // path pattern
                               R"({name: h, http: {timeout: soon}})",   // duration pattern
                               R"({name: h, http: {status: 200}})"}) {  // undeclared field
    EXPECT_TRUE(mentions(metric(bad), "spec.analysis.metrics[0]")) << bad << joined(metric(bad));
  }
}

TEST(CrdSchemaWalker, HonoursIntOrStringForRollbackTarget) {
  for (std::string_view to : {"previous", "lastKnownGood", "3", "\"3\""}) {
    const auto errors =
        schema_errors(yaml("apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: rb}\n"
                           "spec: {releaseRef: {name: api}, to: " +
                           std::string(to) + "}\n"));
    EXPECT_TRUE(errors.empty()) << to << joined(errors);
  }
  for (std::string_view to : {"true", "1.5", "{revision: 3}", "[3]"}) {
    const auto errors =
        schema_errors(yaml("apiVersion: rewind.dev/v1alpha1\nkind: Rollback\nmetadata: {name: rb}\n"
                           "spec: {releaseRef: {name: api}, to: " +
                           std::string(to) + "}\n"));
    EXPECT_TRUE(mentions(errors, "spec.to: must be an integer or a string"))
        << to << joined(errors);
  }
}

TEST(CrdSchemaWalker, StructuralCheckerCatchesNonStructuralSchemas) {
  const auto problems = StructuralChecker().check(yaml(R"(
type: object
properties:
  metadata: {type: object, properties: {labels: {type: object}}}
  spec:
    type: object
    additionalProperties: false
    properties:
      untyped: {description: no type}
      either:
        anyOf: [{type: string}, {type: integer, minimum: 1}]
      list:
        type: array
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [name]
        items: {type: object, properties: {name: {type: string}}}
      typo: {type: integer, minimun: 1}
)"));
  for (std::string_view expected :
       {"metadata.properties: must not declare labels", "additionalProperties must be a schema",
        "properties.untyped: no type", "either.anyOf[0]: must not set type",
        "list-map key name must be required", "unknown keyword \"minimun\""}) {
    EXPECT_TRUE(mentions(problems, expected)) << expected << joined(problems);
  }
}

}  // namespace
}  // namespace rwd::model
