#pragma once
// Internal: what `rewind rollback` works out before it changes anything --
// the Release as rewind stored it last, its history, and the plan the
// engine would run for the Rollback now (read only: observing the platform
// changes nothing).

#include <optional>
#include <string>

#include "rewind/model/history.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/reconcile/planner.hpp"

#include "engine.hpp"

namespace rwd::cli {

struct StoredRelease {
  model::Release release;  // spec and status as rewind wrote them last
  model::History history;
  model::EnvFileContents env_files;  // from the history record of its spec
  model::Revision desired;           // revision_of(spec, env_files)
};

// The stored Release; an error naming the known Releases when there is no
// such Release in the state directory.
model::Result<StoredRelease> load_stored_release(Engine& engine, const model::ObjectKey& key,
                                                 const std::string& state_dir);

// Contents of a stored Release's envFiles, as its newest history record with
// the same configuration kept them (no Release file is read).
model::Result<model::EnvFileContents> env_files_from_history(const model::Release& release,
                                                             const model::History& history);

// The Decision the engine would make for `rollback` now.
model::Result<reconcile::Decision> plan_rollback(Engine& engine, const StoredRelease& stored,
                                                 const model::Rollback& rollback,
                                                 model::Timestamp now);

// The image the plan's target revision runs (nullopt for an empty plan).
std::optional<model::ImageRef> target_image(const reconcile::Decision& d,
                                            const model::History& history);

}  // namespace rwd::cli
