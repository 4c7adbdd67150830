#pragma once
// Fixture builders for planner tests:
//   ReleaseBuilder().image("shop-api:v2").migration("0007").canary({weight(10), pause()})
//   HistoryBuilder().healthy(v1).failed(v2, RevisionOutcome::kFailedHealth)
//   ObservedBuilder().running(v2).healthy()
//   RollbackBuilder().to_previous().components({Component::kImage})

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/model/rollback.hpp"
#include "rewind/reconcile/conditions.hpp"
#include "rewind/reconcile/observed.hpp"
#include "rewind/reconcile/plan.hpp"
#include "rewind/reconcile/planner.hpp"
#include "rewind/reconcile/step.hpp"

namespace rwd::reconcile {

// gtest prints these in failure messages.
inline void PrintTo(StepKind k, std::ostream* os) { *os << to_string(k); }
inline void PrintTo(Direction d, std::ostream* os) { *os << to_string(d); }

}  // namespace rwd::reconcile

namespace rwd::reconcile::testing {

using namespace std::chrono_literals;
using model::Component;
using model::RevisionNumber;
using model::RevisionOutcome;

// Test time: 2024-05-01T00:00:00Z; "now" is two days later.
inline constexpr model::Timestamp kT0{
    std::chrono::sys_days{std::chrono::year{2024} / std::chrono::May / 1}};
inline constexpr model::Timestamp kNow = kT0 + std::chrono::hours(48);

inline RevisionNumber rev(std::int64_t n) { return RevisionNumber(n); }

// Canary steps.
inline model::CanaryStep weight(std::int32_t w) { return model::SetWeightStep{w}; }
inline model::CanaryStep pause(std::optional<model::Duration> d = std::nullopt) {
  return model::PauseStep{d};
}
inline model::CanaryStep analysis(std::vector<std::string> metrics = {}) {
  return model::AnalysisStep{std::move(metrics)};
}

class ReleaseBuilder {
 public:
  ReleaseBuilder() {
    r_.metadata.name = "api";
    r_.metadata.ns = "shop";
    r_.metadata.generation = 1;
    r_.spec.target.docker = model::DockerTarget{"shop", "api"};
    r_.spec.image = model::ImageRef("shop-api:v1");
    r_.spec.config.env = {{"LOG_LEVEL", "info"}};
    r_.spec.health_check = model::HealthCheckSpec{};
    r_.spec.health_check->http = model::HttpCheck{"/health", 8000, "http"};
  }

  ReleaseBuilder& name(std::string n) {
    return set([&] { r_.metadata.name = std::move(n); });
  }
  ReleaseBuilder& generation(std::int64_t g) {
    return set([&] { r_.metadata.generation = g; });
  }
  ReleaseBuilder& image(std::string i) {
    return set([&] { r_.spec.image = model::ImageRef(std::move(i)); });
  }
  ReleaseBuilder& env(std::string k, std::string v) {
    return set([&] { r_.spec.config.env[std::move(k)] = std::move(v); });
  }
  // A sql-dir migration at `revision`; backups required, kept in /var/backups/rewind.
  ReleaseBuilder& migration(std::string revision) {
    return set([&] {
      if (!r_.spec.migration) {
        r_.spec.migration = model::MigrationSpec{};
        r_.spec.migration->database.env = "SHOP_DATABASE_URL";
        r_.spec.migration->directory = "./migrations";
        r_.spec.migration->backup.directory = "/var/backups/rewind";
      }
      r_.spec.migration->revision = std::move(revision);
    });
  }
  ReleaseBuilder& backup_required(bool b) {
    return set([&] { mig().backup.required = b; });
  }
  ReleaseBuilder& backup_max_age(model::Duration d) {
    return set([&] { mig().backup.max_age = d; });
  }
  // The outcome of the last rollback drill, an hour ago.
  ReleaseBuilder& drill(bool passed) {
    return set([&] {
      auto& m = r_.status.migration ? *r_.status.migration : r_.status.migration.emplace();
      m.last_drill = model::DrillRecord{kNow - std::chrono::hours(1), passed, 1.5, "/b/x.dump",
                                        passed ? "copy migrated" : "0007_x.down.sql failed"};
    });
  }
  ReleaseBuilder& quiesce(std::vector<std::string> s) {
    return set([&] { mig().quiesce = std::move(s); });
  }
  ReleaseBuilder& verify_tables(std::vector<std::string> t) {
    return set([&] { mig().verify_tables = std::move(t); });
  }
  ReleaseBuilder& blue_green(bool auto_promote = true, model::Duration delay = 10min) {
    return set([&] {
      r_.spec.strategy.type = model::StrategyType::kBlueGreen;
      r_.spec.strategy.blue_green = model::BlueGreenSpec{"nginx", auto_promote, delay};
    });
  }
  ReleaseBuilder& canary(std::vector<model::CanaryStep> steps) {
    return set([&] {
      r_.spec.strategy.type = model::StrategyType::kCanary;
      r_.spec.strategy.canary = model::CanarySpec{"nginx", std::move(steps)};
    });
  }
  // spec.analysis with an error-rate and a latency metric, window 5m.
  ReleaseBuilder& analysis(model::Duration window = 5min) {
    return set([&] {
      r_.spec.analysis = model::AnalysisSpec{};
      r_.spec.analysis->window = window;
      r_.spec.analysis->metrics = {model::MetricSpec{"error-rate", "q1", {}, {}, 0, 0},
                                   model::MetricSpec{"p95-latency", "q2", {}, {}, 0, 0}};
    });
  }
  ReleaseBuilder& smoke() {
    return set([&] {
      if (!r_.spec.analysis) analysis();
      r_.spec.analysis->smoke = model::SmokeSpec{{"./smoke-test.sh"}, 60s};
    });
  }
  ReleaseBuilder& automatic(bool a) {
    return set([&] { r_.spec.rollback_policy.automatic = a; });
  }
  ReleaseBuilder& notify() {
    return set([&] {
      r_.spec.notify = {model::NotifySpec{model::WebhookSpec{"http://127.0.0.1:8099/hook"}}};
    });
  }
  ReleaseBuilder& pin(std::int64_t revision, std::int64_t generation, std::string rollback) {
    return set([&] { r_.status.pin = model::Pin{rev(revision), generation, std::move(rollback)}; });
  }
  ReleaseBuilder& progress(std::int64_t revision, std::string hash, std::int32_t index,
                           bool aborted = false) {
    return set([&] {
      r_.status.progress =
          model::PlanProgress{rev(revision), std::move(hash), index, aborted, std::nullopt};
    });
  }
  ReleaseBuilder& current(std::int64_t n) {
    return set([&] {
      r_.status.current_revision = rev(n);
      r_.status.stable_revision = rev(n);
    });
  }
  ReleaseBuilder& condition(model::Condition c) {
    return set([&] { r_.status.conditions.push_back(std::move(c)); });
  }

  [[nodiscard]] model::Release build() const { return r_; }
  [[nodiscard]] model::Revision revision() const { return model::revision_of(r_.spec, {}); }
  [[nodiscard]] Desired desired() const { return Desired{r_, revision(), std::nullopt}; }
  [[nodiscard]] Desired desired(model::Rollback rb) const {
    return Desired{r_, revision(), std::move(rb)};
  }

 private:
  template <class F>
  ReleaseBuilder& set(F&& f) {
    f();
    return *this;
  }
  model::MigrationSpec& mig() {
    if (!r_.spec.migration) migration("0001");
    return *r_.spec.migration;
  }
  model::Release r_;
};

class HistoryBuilder {
 public:
  // Appends a record for the release's tuple. Every outcome except kPending
  // went live; healthy-ish ones passed health and analysis once.
  HistoryBuilder& add(const ReleaseBuilder& r, RevisionOutcome outcome,
                      std::optional<std::int64_t> generation = std::nullopt) {
    model::RevisionRecord rec;
    rec.number = h_.next_number();
    rec.revision = r.revision();
    rec.hash = model::revision_hash(rec.revision);
    rec.spec = r.build().spec;
    rec.generation = generation.value_or(r.build().metadata.generation);
    rec.created_at = kT0 + std::chrono::hours(rec.number.value());
    if (outcome != RevisionOutcome::kPending) rec.live_at = rec.created_at + 1min;
    if (outcome == RevisionOutcome::kHealthy || outcome == RevisionOutcome::kSuperseded ||
        outcome == RevisionOutcome::kRolledBack) {
      rec.healthy_at = rec.created_at + 10min;
    }
    rec.outcome = outcome;
    h_.revisions.push_back(std::move(rec));
    return *this;
  }
  HistoryBuilder& healthy(const ReleaseBuilder& r) { return add(r, RevisionOutcome::kHealthy); }
  HistoryBuilder& superseded(const ReleaseBuilder& r) {
    return add(r, RevisionOutcome::kSuperseded);
  }
  HistoryBuilder& failed(const ReleaseBuilder& r,
                         RevisionOutcome o = RevisionOutcome::kFailedHealth,
                         std::optional<std::int64_t> generation = std::nullopt) {
    return add(r, o, generation);
  }
  // A verified dump taken before the last record went live.
  HistoryBuilder& backup(std::string path, bool verified = true) {
    auto& rec = h_.revisions.back();
    rec.backup = model::BackupRecord{std::move(path), 1024, "sha", verified, rec.created_at};
    return *this;
  }
  // Changes the last record.
  HistoryBuilder& live_at(model::Timestamp t) {
    h_.revisions.back().live_at = t;
    return *this;
  }

  [[nodiscard]] model::History build() const { return h_; }

 private:
  model::History h_;
};

class ObservedBuilder {
 public:
  ObservedBuilder& running(const ReleaseBuilder& r) {
    o_.running = r.revision();
    o_.images_present.insert(r.build().spec.image);
    return *this;
  }
  ObservedBuilder& running(model::Revision r) {
    o_.images_present.insert(r.image);
    o_.running = std::move(r);
    return *this;
  }
  ObservedBuilder& healthy() { return health(Health::kHealthy); }
  ObservedBuilder& unhealthy() { return health(Health::kUnhealthy); }
  ObservedBuilder& health(Health h) {
    o_.health = h;
    return *this;
  }
  ObservedBuilder& image(const ReleaseBuilder& r) {
    o_.images_present.insert(r.build().spec.image);
    return *this;
  }
  ObservedBuilder& no_images() {
    o_.images_present.clear();
    return *this;
  }
  ObservedBuilder& backup(model::Timestamp taken_at, bool verified = true) {
    o_.latest_backup = ObservedBackup{taken_at, verified};
    return *this;
  }
  ObservedBuilder& active(Color c) {
    o_.active_color = c;
    return *this;
  }
  ObservedBuilder& standby(const ReleaseBuilder& r) {
    o_.standby = r.revision();
    return *this;
  }
  ObservedBuilder& canary_weight(std::int32_t w) {
    o_.canary_weight = w;
    return *this;
  }
  [[nodiscard]] Observed build() const { return o_; }

 private:
  Observed o_;
};

class RollbackBuilder {
 public:
  RollbackBuilder() {
    rb_.metadata.name = "api-incident-42";
    rb_.metadata.ns = "shop";
    rb_.metadata.generation = 1;
    rb_.spec.release_name = "api";
    rb_.spec.reason = "5xx above 10%";
  }
  RollbackBuilder& name(std::string n) {
    return set([&] { rb_.metadata.name = std::move(n); });
  }
  RollbackBuilder& release(std::string n) {
    return set([&] { rb_.spec.release_name = std::move(n); });
  }
  RollbackBuilder& to_previous() {
    return set([&] { rb_.spec.to = {model::RollbackTarget::Kind::kPrevious, {}}; });
  }
  RollbackBuilder& to_last_known_good() {
    return set([&] { rb_.spec.to = {model::RollbackTarget::Kind::kLastKnownGood, {}}; });
  }
  RollbackBuilder& to(std::int64_t n) {
    return set([&] { rb_.spec.to = {model::RollbackTarget::Kind::kRevision, rev(n)}; });
  }
  RollbackBuilder& components(std::vector<Component> c) {
    return set([&] { rb_.spec.components = std::move(c); });
  }
  RollbackBuilder& restore_backup() {
    return set([&] { rb_.spec.restore_backup = true; });
  }
  RollbackBuilder& dry_run() {
    return set([&] { rb_.spec.dry_run = true; });
  }
  RollbackBuilder& emergency() {
    return set([&] { rb_.spec.emergency = true; });
  }
  RollbackBuilder& phase(model::RollbackPhase p) {
    return set([&] { rb_.status.phase = p; });
  }
  [[nodiscard]] model::Rollback build() const { return rb_; }

 private:
  template <class F>
  RollbackBuilder& set(F&& f) {
    f();
    return *this;
  }
  model::Rollback rb_;
};

inline std::vector<StepKind> kinds(const Plan& p) {
  std::vector<StepKind> out;
  for (const auto& s : p.steps) out.push_back(s.kind());
  return out;
}

// The step of kind T at position `n` among steps of that kind (0-based).
template <class T>
const T* find_step(const Plan& p, std::size_t n = 0) {
  for (const auto& s : p.steps) {
    if (const auto* x = s.as<T>()) {
      if (n == 0) return x;
      --n;
    }
  }
  return nullptr;
}

// A table row: inputs, and what the plan must look like.
struct PlanCase {
  std::string name;
  Desired desired;
  Observed observed;
  model::History history;
  Direction direction = Direction::kNone;
  std::string reason;
  std::vector<StepKind> steps;
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> to;
  // Key parameters, checked after the step kinds.
  std::function<void(const Decision&)> check;
};
// Test names stay readable: gtest would print the struct's bytes.
inline void PrintTo(const PlanCase& c, std::ostream* os) { *os << c.name; }

inline PlanCase named(std::string name) {
  PlanCase c;
  c.name = std::move(name);
  return c;
}

inline std::string case_name(const ::testing::TestParamInfo<PlanCase>& info) {
  return info.param.name;
}

inline void expect_plan(const PlanCase& c) {
  const Decision d = plan(c.desired, c.observed, c.history, kNow);
  EXPECT_FALSE(d.error) << (d.error ? d.error->message : "");
  EXPECT_EQ(kinds(d.plan), c.steps);
  EXPECT_EQ(d.plan.direction, c.direction);
  EXPECT_EQ(d.plan.reason, c.reason);
  if (c.from) {
    ASSERT_TRUE(d.plan.from);
    EXPECT_EQ(d.plan.from->value(), *c.from);
  }
  if (c.to) {
    ASSERT_TRUE(d.plan.to);
    EXPECT_EQ(d.plan.to->value(), *c.to);
  }
  if (c.check) c.check(d);
}

}  // namespace rwd::reconcile::testing
