// Steps every strategy shares: the schema change, gates, notification.

#include <limits>
#include <string>

#include "internal.hpp"

namespace rwd::reconcile::detail {
namespace {

// The dump taken when the schema last left `schema`: the first verified
// backup recorded after the newest revision (up to `limit`) that ran it.
const model::RevisionRecord* pre_upgrade_backup(const model::History& h, const std::string& schema,
                                                model::RevisionNumber limit) {
  const model::RevisionRecord* base = nullptr;
  for (const auto& r : h.revisions) {
    if (r.number <= limit && r.revision.migration_revision == schema) base = &r;
  }
  if (base == nullptr) return nullptr;
  for (const auto& r : h.revisions) {
    if (r.number > base->number && r.number <= limit && r.backup && r.backup->verified) return &r;
  }
  return nullptr;
}

}  // namespace

const model::MigrationSpec* Builder::migration() const {
  if (policy().migration) return &*policy().migration;
  if (goal.spec.migration) return &*goal.spec.migration;
  return nullptr;
}

std::string Builder::from_schema() const {
  return basis.from_tuple ? basis.from_tuple->migration_revision : std::string();
}

bool Builder::same_runtime() const {
  return basis.from_tuple && basis.from_tuple->image == goal.tuple.image &&
         basis.from_tuple->config_hash == goal.tuple.config_hash;
}

model::Status Builder::schema_change(const std::string& from, bool& changed) {
  const std::string& to = goal.tuple.migration_revision;
  changed = !to.empty() && (from.empty() || compare_schema(to, from) != 0);
  if (!changed) return {};
  const auto* mig = migration();
  const model::BackupSpec backup = mig != nullptr ? mig->backup : model::BackupSpec{};
  const bool down = !from.empty() && compare_schema(to, from) < 0;
  if (!down) {
    if (backup.required) add(step::Backup{backup.directory, true});
    add(step::Migrate{MigrateDirection::kUp, from, to});
    if (mig != nullptr && !mig->verify_tables.empty())
      add(step::VerifyRowCounts{mig->verify_tables});
    return {};
  }
  // An older schema: a verified backup first, always, whatever backup.required says.
  add(step::Backup{backup.directory, true});
  if (mig != nullptr && !mig->quiesce.empty()) {
    add(step::Quiesce{mig->quiesce});
    quiesced = true;
    quiesce_services = mig->quiesce;
  }
  if (goal.restore_backup) {
    const model::RevisionNumber limit =
        basis.from.value_or(model::RevisionNumber(std::numeric_limits<std::int64_t>::max()));
    const auto* r = pre_upgrade_backup(in.history, to, limit);
    if (r == nullptr) {
      return model::Error::terminal("restoreBackup: no verified backup was taken when schema " +
                                    to + " was upgraded; down-migrate instead");
    }
    add(step::RestoreBackup{r->backup->path, to, r->number});
  } else {
    add(step::Migrate{MigrateDirection::kDown, from, to});
  }
  if (mig != nullptr && !mig->verify_tables.empty()) add(step::VerifyRowCounts{mig->verify_tables});
  return {};
}

void Builder::unquiesce() {
  if (!quiesced) return;
  add(step::Unquiesce{quiesce_services});
  quiesced = false;
}

void Builder::health_gate(model::RevisionNumber rev, std::optional<Color> color) {
  const model::HealthCheckSpec hc = policy().health_check.value_or(model::HealthCheckSpec{});
  add(step::HealthGate{rev, color, hc.interval, hc.timeout, hc.success_threshold,
                       hc.failure_threshold});
}

void Builder::smoke_gate(model::RevisionNumber rev) {
  if (emergency() || !policy().analysis || !policy().analysis->smoke) return;
  const auto& smoke = *policy().analysis->smoke;
  add(step::SmokeGate{rev, smoke.command, smoke.timeout});
}

void Builder::analysis_gate(model::RevisionNumber rev, const std::vector<std::string>& metrics) {
  if (emergency() || !policy().analysis) return;
  const auto& a = *policy().analysis;
  std::vector<std::string> names = metrics;
  if (names.empty()) {
    for (const auto& m : a.metrics) names.push_back(m.name);
  }
  add(step::AnalysisGate{rev, std::move(names), a.window, a.interval});
}

void Builder::notify(const std::string& event) {
  if (policy().notify.empty()) return;
  add(step::Notify{release_name() + ": " + event, policy().notify.size()});
}

void Builder::finish(const std::string& event) {
  add(step::MarkStable{goal.number});
  notify(event);
}

}  // namespace rwd::reconcile::detail
