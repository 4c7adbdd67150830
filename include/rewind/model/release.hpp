#pragma once
// The Release resource (rewind.dev/v1alpha1), DESIGN.md section 2.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rewind/model/condition.hpp"
#include "rewind/model/expression.hpp"
#include "rewind/model/metadata.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"

namespace rwd::model {

// ---- spec.target: exactly one platform ----------------------------------
struct DockerTarget {
  std::string project;  // com.docker.compose.project
  std::string service;  // com.docker.compose.service
  bool operator==(const DockerTarget&) const = default;
};

struct KubernetesTarget {
  std::string deployment;
  std::string container;  // empty: the Deployment's first container
  // The Release's namespace, where the Deployment is. Not read from YAML nor
  // written: the Kubernetes source sets it from metadata.namespace.
  std::string ns;
  // Blue-green and canary: the Service whose selector rewind switches;
  // empty: the Service named like the Deployment.
  std::string service;
  bool operator==(const KubernetesTarget&) const = default;
};

struct Target {
  std::optional<DockerTarget> docker;
  std::optional<KubernetesTarget> kubernetes;
  bool operator==(const Target&) const = default;
};

// ---- spec.config ---------------------------------------------------------
struct ConfigSpec {
  std::map<std::string, std::string> env;
  std::vector<std::string> env_files;  // contents are hashed into the revision
  bool operator==(const ConfigSpec&) const = default;
};

// ---- spec.migration ------------------------------------------------------
enum class MigrationDriver { kSqlDir, kAlembic, kGolangMigrate, kFlyway };

struct SecretKeyRef {
  std::string name;
  std::string key;
  bool operator==(const SecretKeyRef&) const = default;
};

// Where the database URL comes from; exactly one is set. The URL itself is a
// secret and is never stored in the model.
struct UrlSource {
  std::optional<std::string> env;
  std::optional<std::string> file;
  std::optional<SecretKeyRef> secret_key_ref;
  bool operator==(const UrlSource&) const = default;
};

struct BackupSpec {
  bool required = true;
  std::string directory = "/var/lib/rewind/backups";
  Duration max_age = std::chrono::hours(24);
  std::int32_t keep = 5;  // verified dumps kept per database
  bool operator==(const BackupSpec&) const = default;
};

// Where the command of an alembic / golang-migrate / flyway migration runs.
enum class CommandPlace {
  kImage,  // a one-off container of the revision's image, beside the service
  kHost,   // a process on the host rewind runs on
};

// A rollback drill: the latest backup restored into a scratch database, the
// down migrations of the current revision run there, checked, dropped.
struct DrillSpec {
  std::optional<Duration> every;  // nullopt: only `rewind drill NAME`
  bool operator==(const DrillSpec&) const = default;
};

struct MigrationSpec {
  UrlSource database;
  MigrationDriver driver = MigrationDriver::kSqlDir;
  std::string directory;  // sql-dir: NNNN_name.up.sql / NNNN_name.down.sql
  std::string revision;   // target schema revision, e.g. "0007"
  BackupSpec backup;
  std::vector<std::string> quiesce;        // services stopped during the change
  std::vector<std::string> verify_tables;  // row counts compared before/after
  // Rows a schema change may lose in verifyTables (summed over the tables)
  // before its row-count check fails. nullopt: 0 for an upgrade; for a
  // downgrade the loss is only reported.
  std::optional<std::int64_t> max_row_loss;
  // A DDL statement that waits longer than this for a table lock fails
  // (MigrationBlocked) instead of queueing every reader behind it.
  Duration lock_timeout = std::chrono::seconds(5);
  Duration statement_timeout = std::chrono::minutes(5);
  // alembic, golang-migrate, flyway: the argv that moves the schema to
  // "{{revision}}" (placeholder replaced); the database URL reaches it as the
  // environment variable DATABASE_URL. An upgrade runs up_command in the new
  // revision's image, a downgrade down_command in the image being left (the
  // older image does not know the newer migrations).
  std::vector<std::string> up_command;
  std::vector<std::string> down_command;
  CommandPlace run_in = CommandPlace::kImage;
  Duration command_timeout = std::chrono::minutes(10);
  DrillSpec drill;
  bool operator==(const MigrationSpec&) const = default;
};

// ---- spec.strategy -------------------------------------------------------
enum class StrategyType { kRecreate, kBlueGreen, kCanary };

// The router that moves traffic: "nginx" (Docker hosts), "service" (the
// Kubernetes Service's selector); empty: the target platform's own.
struct BlueGreenSpec {
  std::string router;
  bool auto_promote = true;
  Duration scale_down_delay = std::chrono::minutes(10);
  // The container port traffic goes to; 0: healthCheck.http.port.
  std::int32_t port = 0;
  bool operator==(const BlueGreenSpec&) const = default;
};

struct SetWeightStep {
  std::int32_t weight = 0;  // 0..100
  bool operator==(const SetWeightStep&) const = default;
};
struct PauseStep {
  std::optional<Duration> duration;  // nullopt: until `rewind promote`
  bool operator==(const PauseStep&) const = default;
};
struct AnalysisStep {
  std::vector<std::string> metrics;  // empty: every metric of spec.analysis
  bool operator==(const AnalysisStep&) const = default;
};
using CanaryStep = std::variant<SetWeightStep, PauseStep, AnalysisStep>;

struct CanarySpec {
  std::string router;  // as BlueGreenSpec::router
  std::vector<CanaryStep> steps;
  std::int32_t port = 0;  // as BlueGreenSpec::port
  bool operator==(const CanarySpec&) const = default;
};

struct StrategySpec {
  StrategyType type = StrategyType::kRecreate;
  std::optional<BlueGreenSpec> blue_green;
  std::optional<CanarySpec> canary;
  bool operator==(const StrategySpec&) const = default;
};

// ---- spec.healthCheck ----------------------------------------------------
struct HttpCheck {
  std::string path = "/health";
  std::int32_t port = 0;  // 1..65535
  std::string scheme = "http";
  bool operator==(const HttpCheck&) const = default;
};

struct HealthCheckSpec {
  std::optional<HttpCheck> http;
  Duration interval = std::chrono::seconds(2);
  Duration timeout = std::chrono::seconds(1);
  std::int32_t success_threshold = 1;
  std::int32_t failure_threshold = 3;
  bool operator==(const HealthCheckSpec&) const = default;
};

// ---- spec.analysis -------------------------------------------------------
struct PrometheusSpec {
  std::string address;
  bool operator==(const PrometheusSpec&) const = default;
};

// A metric measured on the revision's own container: one HTTP request.
// The value is the latency in seconds; a status other than expect_status or a
// body without body_match makes the measurement fail, whatever failIf says.
struct HttpMetric {
  std::string path = "/health";
  std::int32_t port = 0;  // container port; 0: the port of the revision's address
  std::int32_t expect_status = 200;
  std::string body_match;  // substring the body must contain; empty: any body
  Duration timeout = std::chrono::seconds(2);
  bool operator==(const HttpMetric&) const = default;
};

// A metric measured by a command on the controller's host. The value is the
// exit status; a timeout fails the measurement. "{{revision}}" and
// "{{address}}" in argv are filled in. Without failIf it fails on "!= 0".
struct CommandMetric {
  std::vector<std::string> argv;
  Duration timeout = std::chrono::seconds(30);
  bool operator==(const CommandMetric&) const = default;
};

// Exactly one provider: query (Prometheus, needs analysis.prometheus), http
// or command.
struct MetricSpec {
  std::string name;
  std::string query;                 // PromQL; empty when another provider is set
  std::optional<Threshold> fail_if;  // triggers a rollback
  std::optional<Threshold> warn_if;  // only sets Degraded
  std::int32_t failure_limit = 0;    // failed measurements tolerated
  std::int32_t inconclusive_limit = 0;
  // Default member initialisers: brace-initialised MetricSpecs that stop
  // before these stay free of -Wmissing-field-initializers.
  std::optional<HttpMetric> http{};
  std::optional<CommandMetric> command{};
  bool operator==(const MetricSpec&) const = default;
};

struct SmokeSpec {
  std::vector<std::string> command;
  Duration timeout = std::chrono::seconds(60);
  bool operator==(const SmokeSpec&) const = default;
};

struct AnalysisSpec {
  Duration interval = std::chrono::seconds(10);
  Duration window = std::chrono::minutes(5);
  std::optional<PrometheusSpec> prometheus;
  std::vector<MetricSpec> metrics;
  std::optional<SmokeSpec> smoke;
  bool operator==(const AnalysisSpec&) const = default;
};

// ---- spec.rollbackPolicy and spec.notify ---------------------------------
struct RollbackPolicy {
  bool automatic = true;
  std::int32_t revision_history_limit = 10;
  Duration progress_deadline = std::chrono::minutes(5);
  bool operator==(const RollbackPolicy&) const = default;
};

struct WebhookSpec {
  std::string url;
  bool operator==(const WebhookSpec&) const = default;
};

struct NotifySpec {
  std::optional<WebhookSpec> webhook;
  bool operator==(const NotifySpec&) const = default;
};

struct ReleaseSpec {
  Target target;
  ImageRef image;
  ConfigSpec config;
  std::optional<MigrationSpec> migration;
  StrategySpec strategy;
  std::optional<HealthCheckSpec> health_check;
  std::optional<AnalysisSpec> analysis;
  RollbackPolicy rollback_policy;
  std::vector<NotifySpec> notify;
  bool operator==(const ReleaseSpec&) const = default;
};

// ---- status --------------------------------------------------------------
enum class ReleasePhase {
  kPending,
  kProgressing,
  kPaused,
  kHealthy,
  kDegraded,
  kRolledBack,
  kFailed
};

struct ObservedRevision {
  ImageRef image;
  std::string config_hash;
  std::string migration_revision;
  bool operator==(const ObservedRevision&) const = default;
};

struct LastRollback {
  RevisionNumber from;
  RevisionNumber to;
  std::string trigger;  // "analysis/error-rate", "health", "RevertedInSource", "Rollback/<name>"
  Timestamp started_at{};
  std::optional<Timestamp> finished_at;
  double seconds = 0;
  bool emergency = false;  // an emergency Rollback: analysis and graceful waits were skipped
  bool operator==(const LastRollback&) const = default;
};

// Progress of a running plan, kept in status so a restarted controller
// resumes at the same step.
struct PlanProgress {
  RevisionNumber revision;  // the revision the plan moves to
  std::string plan_hash;    // changes when the plan's steps change
  std::int32_t step_index = 0;
  bool aborted = false;
  // When this plan was first recorded; kept while it resumes. A backup the
  // plan took before a restart is found by it and not taken again.
  std::optional<Timestamp> started_at;
  // `rewind promote`: the index of the step a person let go on (a pause, or
  // a manual promotion); that step is done.
  std::optional<std::int32_t> promoted_step{};
  bool operator==(const PlanProgress&) const = default;
};

// A Rollback holds the Release on a revision until the spec's generation
// changes again.
struct Pin {
  RevisionNumber revision;
  std::int64_t generation = 0;  // metadata.generation when the pin was set
  std::string rollback;         // name of the Rollback that set it
  bool operator==(const Pin&) const = default;
};

// A pg_dump taken before a schema change, verified by reading it back.
struct BackupRecord {
  std::string path;
  std::int64_t bytes = 0;
  std::string sha256;
  bool verified = false;
  std::optional<Timestamp> taken_at;
  bool operator==(const BackupRecord&) const = default;
};

// Rows of one verifyTables table around the last schema change.
struct RowCount {
  std::string table;
  std::int64_t before = 0;
  std::optional<std::int64_t> after;  // unset until the change is checked
  bool operator==(const RowCount&) const = default;
};

// The outcome of the last rollback drill.
struct DrillRecord {
  Timestamp at{};
  bool passed = false;
  double seconds = 0;
  std::string backup;   // the dump it restored
  std::string message;  // what was checked, or what failed
  bool operator==(const DrillRecord&) const = default;
};

// The database side of a Release: what the last schema step saw and did.
struct MigrationStatus {
  std::string revision;                     // the schema revision the database reported last
  std::optional<BackupRecord> last_backup;  // newest verified dump rewind took
  std::vector<RowCount> row_counts;         // of the last schema change
  std::string restored_from;                // the dump the last restoreBackup rollback restored
  std::string kept_as;        // the database it left behind (<db>_before_rollback_...)
  std::string exported_rows;  // data-only dump of verifyTables of kept_as: the rows to re-import
  std::optional<DrillRecord> last_drill;
  bool operator==(const MigrationStatus&) const = default;
};

struct ReleaseStatus {
  std::int64_t observed_generation = 0;
  ReleasePhase phase = ReleasePhase::kPending;
  std::optional<RevisionNumber> current_revision;
  std::optional<RevisionNumber> stable_revision;
  std::optional<Pin> pin;
  std::optional<ObservedRevision> observed;
  Conditions conditions;
  std::optional<LastRollback> last_rollback;
  std::optional<PlanProgress> progress;
  std::optional<MigrationStatus> migration;
  std::string message;
  bool operator==(const ReleaseStatus&) const = default;
};

struct Release {
  ObjectMeta metadata;
  ReleaseSpec spec;
  ReleaseStatus status;
  bool operator==(const Release&) const = default;
};

const char* to_string(MigrationDriver d);
const char* to_string(CommandPlace p);  // "image", "host"
std::optional<CommandPlace> parse_command_place(std::string_view s);
const char* to_string(StrategyType t);
const char* to_string(ReleasePhase p);
std::optional<MigrationDriver> parse_migration_driver(std::string_view s);
std::optional<StrategyType> parse_strategy_type(std::string_view s);
std::optional<ReleasePhase> parse_release_phase(std::string_view s);

}  // namespace rwd::model
