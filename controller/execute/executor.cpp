#include "rewind/execute/executor.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "rewind/execute/colors.hpp"
#include "rewind/execute/env.hpp"
#include "rewind/execute/kill_point.hpp"
#include "rewind/execute/observe.hpp"

#include "executor_internal.hpp"

namespace rwd::execute {
namespace {

std::string key_of(const model::Release& r) { return r.metadata.key().str(); }

std::string label_or(const Instance& i, const char* key) {
  auto it = i.labels.find(key);
  return it == i.labels.end() ? std::string() : it->second;
}

}  // namespace

model::Result<ContainerChange> revision_change(const StepInput& in,
                                               const reconcile::step::StartRevision& s) {
  const model::RevisionRecord* rec = in.history.find(s.revision);
  if (rec == nullptr) {
    return model::Error::terminal("revision " + std::to_string(s.revision.value()) +
                                  " is not in history");
  }
  std::vector<std::string> problems;
  ContainerChange change;
  change.image = s.tuple.image;
  change.env = effective_env(rec->spec.config, rec->env_files, problems);
  for (const auto& p : problems) spdlog::warn("{}: {}", key_of(in.release), p);
  for (const auto& r : in.history.revisions) {
    std::vector<std::string> ignored;
    for (const auto& [k, v] : effective_env(r.spec.config, r.env_files, ignored)) {
      change.managed_before.insert(k);
    }
  }
  change.labels = {{label::kRelease, key_of(in.release)},
                   {label::kRevision, std::to_string(s.revision.value())},
                   {label::kRevisionHash, rec->hash.value()},
                   {label::kConfigHash, s.tuple.config_hash},
                   {label::kMigration, s.tuple.migration_revision}};
  return change;
}

bool runs_revision(const Instance& i, model::RevisionNumber revision,
                   const model::Revision& tuple) {
  const std::string labelled = label_or(i, label::kRevision);
  if (!labelled.empty()) {
    return labelled == std::to_string(revision.value()) &&
           label_or(i, label::kConfigHash) == tuple.config_hash && i.image == tuple.image;
  }
  return i.image == tuple.image;
}

void Executor::forget(const model::ObjectKey& key) {
  std::lock_guard lock(mu_);
  const std::string prefix = key.str() + "/";
  for (auto it = gates_.begin(); it != gates_.end();) {
    it = it->first.rfind(prefix, 0) == 0 ? gates_.erase(it) : std::next(it);
  }
}

std::string Executor::gate_id(const StepInput& in) {
  return key_of(in.release) + "/" + in.plan.hash + "/" + in.plan.steps.at(in.index).id;
}

Executor::Gate& Executor::gate(const StepInput& in) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = gates_.try_emplace(gate_id(in));
  if (inserted) it->second.started = in.now;
  return it->second;
}

// A gate that passed or failed starts from nothing next time: the same plan
// again (a container removed and created anew, say) gates the new container.
StepResult Executor::gate_decided(const StepInput& in, StepResult r) {
  if (r.state != StepState::kWaiting) {
    std::lock_guard lock(mu_);
    gates_.erase(gate_id(in));
  }
  return r;
}

StepResult Executor::run(const StepInput& in) {
  const reconcile::Step& step = in.plan.steps.at(in.index);
  using namespace reconcile::step;
  if (const auto* s = step.as<StartRevision>()) return start_revision(in, *s);
  if (const auto* s = step.as<HealthGate>()) return gate_decided(in, health_gate(in, *s));
  if (const auto* s = step.as<AnalysisGate>()) return gate_decided(in, analysis_gate(in, *s));
  if (const auto* s = step.as<SmokeGate>()) return smoke_gate(in, *s);
  if (const auto* s = step.as<MarkStable>()) return mark_stable(in, *s);
  if (const auto* s = step.as<SwitchActiveColor>()) return switch_color(in, *s);
  if (const auto* s = step.as<Promote>()) {
    if (!s->manual) return promote_canary(in, *s);
    // autoPromote: false: a person lets it go on (phase Paused until then).
    if (promoted_by_hand(in)) return StepResult::done("promoted by hand (rewind promote)");
    return StepResult::waiting_for_person("revision " + std::to_string(s->revision.value()) +
                                          " waits for `rewind promote " + in.release.metadata.name +
                                          "`");
  }
  if (const auto* s = step.as<SetTrafficWeight>()) return set_canary_weight(in, *s);
  if (const auto* s = step.as<Pause>()) return gate_decided(in, pause(in, *s));
  if (const auto* s = step.as<ScaleDown>()) {
    return gate_decided(in, s->color ? scale_down_color(in, *s) : scale_down_revision(in, *s));
  }
  if (step.as<Backup>() != nullptr) return backup(in);
  if (const auto* s = step.as<Migrate>()) return migrate(in, *s);
  if (const auto* s = step.as<RestoreBackup>()) return restore_backup(in, *s);
  if (const auto* s = step.as<VerifyRowCounts>()) return verify_row_counts(in, *s);
  if (const auto* s = step.as<Quiesce>()) return quiesce(in, s->services, true);
  if (const auto* s = step.as<Unquiesce>()) return quiesce(in, s->services, false);
  if (step.as<RecordIncident>() != nullptr || step.as<Notify>() != nullptr) {
    return StepResult::done();  // bookkeeping: the reconciler records these
  }
  return StepResult::failed(std::string(reconcile::to_string(step.kind())) +
                                " is not supported on this target yet (step \"" + step.description +
                                "\")",
                            std::nullopt, model::ErrorKind::kTerminal);
}

bool promoted_by_hand(const StepInput& in) {
  const auto& p = in.release.status.progress;
  return p && p->promoted_step && p->plan_hash == in.plan.hash &&
         static_cast<std::size_t>(*p->promoted_step) == in.index;
}

StepResult Executor::start_revision(const StepInput& in, const reconcile::step::StartRevision& s) {
  if (s.color) return start_color(in, s);
  if (s.canary) return start_canary(in, s);
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return StepResult::from_error(listed.error());
  std::vector<Instance>& instances = *listed;
  const std::chrono::seconds grace =
      in.plan.emergency ? std::chrono::seconds(1) : std::chrono::seconds(10);

  // Already created (a resumed plan, or a rollback to a container still there).
  const Instance* existing = nullptr;
  for (const auto& i : instances) {
    if (runs_revision(i, s.revision, s.tuple) && (existing == nullptr || i.running)) existing = &i;
  }
  if (existing == nullptr) {
    auto created = create_revision(in, s, instances);
    if (!created) return StepResult::from_error(created.error());
    auto inspected = platform_.inspect(*created);
    if (!inspected) return StepResult::from_error(inspected.error());
    instances.push_back(*inspected);
    existing = &instances.back();
    kill_point("recreate:after-create");
  }
  const std::string new_id = existing->id;
  // Stop every other running container of the service first: never two
  // versions serving at once.
  for (const auto& i : instances) {
    if (i.id == new_id || !i.running) continue;
    if (auto st = platform_.stop(i.id, grace); !st) return StepResult::from_error(st.error());
    kill_point("recreate:after-stop-old");
  }
  if (!existing->running) {
    if (auto st = platform_.start(new_id); !st) return StepResult::from_error(st.error());
    kill_point("recreate:after-start-new");
  }
  if (in.release.spec.strategy.type == model::StrategyType::kCanary) {
    if (auto st = route_stable(in, *existing); !st) return StepResult::from_error(st.error());
  }
  return StepResult::done(platform_.describe(*existing) + " runs revision " +
                          std::to_string(s.revision.value()));
}

model::Result<std::string> Executor::create_revision(const StepInput& in,
                                                     const reconcile::step::StartRevision& s,
                                                     const std::vector<Instance>& instances) {
  auto change = revision_change(in, s);
  if (!change) return change.error();
  if (auto st = platform_.ensure_image(s.tuple.image); !st) return st.error();
  if (instances.empty()) {
    // Removed by hand (`docker rm -f`): made again as `docker compose up`
    // would, from the last configuration seen, under the compose name.
    const auto& d = in.release.spec.target.docker;
    const std::string service =
        d ? "compose service " + d->project + "/" + d->service : std::string("the service");
    spdlog::warn(
        "{}: {} has no container (removed by hand?); creating one from the last "
        "configuration seen",
        key_of(in.release), service);
    return platform_.create_for_service(in.release.spec.target, *change);
  }
  const Instance* base = serving_instance(instances);
  if (base == nullptr) base = &instances.back();
  change->name = revision_container_name(canonical_name(base->name), s.revision);
  return platform_.create_replacement(*base, *change);
}

model::Result<std::optional<Instance>> Executor::running_instance(const StepInput& in,
                                                                  model::RevisionNumber revision) {
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return listed.error();
  const model::RevisionRecord* rec = in.history.find(revision);
  if (rec == nullptr) return model::Error::terminal("revision not in history");
  std::optional<Instance> found;
  for (auto& i : *listed) {
    if (i.running && runs_revision(i, revision, rec->revision)) found = std::move(i);
  }
  return found;
}

model::Result<std::optional<bool>> Executor::observe_health(const StepInput& in,
                                                            model::RevisionNumber revision,
                                                            std::string& detail) {
  auto running = running_instance(in, revision);
  if (!running) return running.error();
  return health_of(in, *running, revision, detail);
}

model::Result<std::optional<bool>> Executor::health_of(const StepInput& in,
                                                       const std::optional<Instance>& running,
                                                       model::RevisionNumber revision,
                                                       std::string& detail) {
  if (!running) {
    detail = "no running container of revision " + std::to_string(revision.value());
    return std::optional<bool>(false);
  }
  const Instance* inst = &*running;
  switch (inst->health) {
    case HealthStatus::kHealthy:
      detail = platform_.health_source() + ": healthy";
      return std::optional<bool>(true);
    case HealthStatus::kUnhealthy:
      detail = platform_.health_source() + ": unhealthy";
      return std::optional<bool>(false);
    case HealthStatus::kStarting:
      detail = platform_.health_source() + ": starting";
      return std::optional<bool>();
    case HealthStatus::kNone: break;
  }
  const auto& hc = in.release.spec.health_check;
  if (!hc || !hc->http) {
    detail = "running (no health check configured)";
    return std::optional<bool>(true);
  }
  auto addr = platform_.address(inst->id, hc->http->port);
  if (!addr) return addr.error();
  const ProbeResult r = probe_.probe(*addr, *hc->http, hc->timeout);
  detail = "GET " + *addr + hc->http->path + ": " + r.detail;
  return std::optional<bool>(r.healthy);
}

StepResult Executor::health_gate(const StepInput& in, const reconcile::step::HealthGate& s) {
  std::string detail;
  auto seen = observe_health(in, s.revision, detail);
  if (!seen) return StepResult::from_error(seen.error());
  Gate& g = gate(in);
  if (seen->has_value()) {
    if (**seen) {
      ++g.successes;
      g.failures = 0;
    } else {
      ++g.failures;
      g.successes = 0;
    }
  }
  if (g.successes >= s.success_threshold) return StepResult::done(detail);
  if (g.failures >= s.failure_threshold) {
    return StepResult::failed("revision " + std::to_string(s.revision.value()) + " failed " +
                                  std::to_string(g.failures) + " health checks in a row: " + detail,
                              model::RevisionOutcome::kFailedHealth);
  }
  const model::Duration deadline = in.release.spec.rollback_policy.progress_deadline;
  if (in.now - g.started >= deadline) {
    return StepResult::failed("revision " + std::to_string(s.revision.value()) +
                                  " did not become healthy within " +
                                  model::format_duration(deadline) + ": " + detail,
                              model::RevisionOutcome::kFailedHealth);
  }
  return StepResult::waiting(s.interval, detail);
}

StepResult Executor::mark_stable(const StepInput& in, const reconcile::step::MarkStable& s) {
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return StepResult::from_error(listed.error());
  const model::RevisionRecord* rec = in.history.find(s.revision);
  if (rec == nullptr) return StepResult::failed("revision not in history");
  const Instance* serving = nullptr;
  for (const auto& i : *listed) {
    if (i.running && runs_revision(i, s.revision, rec->revision)) serving = &i;
  }
  if (serving == nullptr) {
    return StepResult::failed(
        "no running container of revision " + std::to_string(s.revision.value()), std::nullopt,
        model::ErrorKind::kTransient);
  }
  // The old containers go only now, after the revision proved healthy. When
  // this plan recreated the service (its StartRevision stopped every other
  // container), one that runs again was started behind rewind's back: an
  // Engine restart starts `restart: always` containers, stopped ones too.
  // It is stopped first. Other running ones (a one-off, a replica next to an
  // adopted container) are left alone.
  const bool recreated =
      in.release.spec.strategy.type == model::StrategyType::kRecreate &&
      std::any_of(in.plan.steps.begin(), in.plan.steps.end(), [](const reconcile::Step& planned) {
        const auto* start = planned.as<reconcile::step::StartRevision>();
        return start != nullptr && !start->color && !start->canary;
      });
  const std::chrono::seconds grace =
      in.plan.emergency ? std::chrono::seconds(1) : std::chrono::seconds(10);
  for (const auto& i : *listed) {
    if (i.id == serving->id) continue;
    if (i.running) {
      if (!recreated || label_or(i, label::kComposeOneOff) == "True") continue;
      if (auto st = platform_.stop(i.id, grace); !st) return StepResult::from_error(st.error());
    }
    if (auto st = platform_.remove(i.id); !st) return StepResult::from_error(st.error());
    kill_point("mark-stable:after-remove-old");
  }
  // Color containers keep their names: the other color may still run.
  const std::string canonical = canonical_name(serving->name);
  if (color_label(*serving) == std::nullopt && canonical != serving->name) {
    if (auto st = platform_.rename(serving->id, canonical); !st) {
      return StepResult::from_error(st.error());
    }
    kill_point("mark-stable:after-rename");
  }
  return StepResult::done("revision " + std::to_string(s.revision.value()) + " is stable");
}

}  // namespace rwd::execute
