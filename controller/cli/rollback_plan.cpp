#include "rollback_plan.hpp"

#include "rewind/execute/observe.hpp"

namespace rwd::cli {
namespace {

std::string known_releases(Engine& engine) {
  auto keys = engine.statuses->list(history::StatusKind::kRelease);
  if (!keys || keys->empty()) return "rewind has stored no Release there yet";
  std::string out = "known:";
  for (const auto& k : *keys) out += " " + k.str();
  return out + "; see `rewind status`";
}

}  // namespace

model::Result<model::EnvFileContents> env_files_from_history(const model::Release& release,
                                                             const model::History& history) {
  if (release.spec.config.env_files.empty()) return model::EnvFileContents{};
  const model::RevisionRecord* best = nullptr;
  for (const auto& rec : history.revisions) {
    if (rec.spec.config != release.spec.config || rec.env_files.empty()) continue;
    if (best == nullptr || rec.spec == release.spec || best->spec != release.spec) best = &rec;
  }
  if (best == nullptr) {
    return model::Error::terminal("Release " + release.metadata.key().str() +
                                  ": the contents of its spec.config.envFiles are not in rewind's "
                                  "history, so its current revision is not known");
  }
  return best->env_files;
}

model::Result<StoredRelease> load_stored_release(Engine& engine, const model::ObjectKey& key,
                                                 const std::string& state_dir) {
  auto stored = engine.statuses->read_release(key);
  if (!stored) return stored.error();
  if (!*stored) {
    return model::Error::terminal("no Release " + key.str() + " in " + state_dir + " (" +
                                  known_releases(engine) + ")");
  }
  StoredRelease s;
  s.release = std::move(**stored);
  auto h = engine.histories->load(key);
  if (!h) return h.error();
  s.history = std::move(*h);
  if (s.history.revisions.empty()) {
    return model::Error::terminal("Release " + key.str() +
                                  " has no revision history yet: there is nothing to roll back to");
  }
  auto files = env_files_from_history(s.release, s.history);
  if (!files) return files.error();
  s.env_files = std::move(*files);
  s.desired = model::revision_of(s.release.spec, s.env_files);
  return s;
}

model::Result<reconcile::Decision> plan_rollback(Engine& engine, const StoredRelease& stored,
                                                 const model::Rollback& rollback,
                                                 model::Timestamp now) {
  auto seen = execute::observe_release(*engine.platform, engine.probe, stored.release,
                                       stored.desired, stored.history, engine.router.router.get());
  if (!seen) return seen.error();
  const reconcile::Desired want{stored.release, stored.desired, rollback};
  return reconcile::plan(want, seen->observed, stored.history, now);
}

std::optional<model::ImageRef> target_image(const reconcile::Decision& d,
                                            const model::History& history) {
  if (d.plan.empty() || !d.plan.to) return std::nullopt;
  if (d.new_record && d.new_record->number == *d.plan.to) return d.new_record->revision.image;
  if (const auto* rec = history.find(*d.plan.to)) return rec->revision.image;
  return std::nullopt;
}

}  // namespace rwd::cli
