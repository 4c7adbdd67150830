#pragma once
// Where rewind keeps what it must not forget across restarts: the revision
// history of every Release, and the status of every Release and Rollback.
//
// Two small interfaces, each with a file implementation over a state
// directory (file_store.hpp) and an in-memory one for unit tests of other
// modules (memory_store.hpp).
//
// A history or status that cannot be read back (a corrupt file) is an error
// naming the file, the line and the field. The store never replaces it on its
// own: after a load()/read_*() of a key failed (corrupt, or unreadable), its
// save()/write() is refused until the caller decides: a later load that
// succeeds (the file was repaired, the disk came back), quarantine() (moved
// aside, kept for inspection) or remove().

#include <optional>
#include <string>
#include <vector>

#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/rollback.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::history {

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // The history of a Release; an empty History when none was saved yet.
  virtual model::Result<model::History> load(const model::ObjectKey& key) = 0;
  // Replaces the whole history of a Release, atomically.
  virtual model::Status save(const model::ObjectKey& key, const model::History& history) = 0;
  // Every Release with a saved history, sorted.
  virtual model::Result<std::vector<model::ObjectKey>> list() = 0;
  // Forgets a Release's history. Removing one that is absent is not an error.
  virtual model::Status remove(const model::ObjectKey& key) = 0;
  // Moves a history that cannot be read aside (kept, no longer loaded) and
  // returns where it went; afterwards load() returns an empty History.
  virtual model::Result<std::string> quarantine(const model::ObjectKey& key) = 0;
};

enum class StatusKind { kRelease, kRollback };

// "releases" / "rollbacks": the directory names of the state layout.
const char* to_string(StatusKind kind);

class StatusStore {
 public:
  virtual ~StatusStore() = default;

  // Stores the whole object (metadata, spec, status) under its key.
  virtual model::Status write(const model::Release& release) = 0;
  virtual model::Status write(const model::Rollback& rollback) = 0;
  // nullopt when nothing was written for the key.
  virtual model::Result<std::optional<model::Release>> read_release(
      const model::ObjectKey& key) = 0;
  virtual model::Result<std::optional<model::Rollback>> read_rollback(
      const model::ObjectKey& key) = 0;
  virtual model::Result<std::vector<model::ObjectKey>> list(StatusKind kind) = 0;
  // Removing one that is absent is not an error.
  virtual model::Status remove(StatusKind kind, const model::ObjectKey& key) = 0;
  virtual model::Result<std::string> quarantine(StatusKind kind, const model::ObjectKey& key) = 0;
};

}  // namespace rwd::history
