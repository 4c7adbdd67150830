#pragma once
// HistoryStore and StatusStore over a state directory (layout.hpp), with
// atomic, durable writes (atomic_file.hpp).
//
// open() creates the directories it needs and removes temporary files left
// behind by a writer that crashed. Loads never change a file. A file that
// does not decode is reported (path, line, field) and remembered, as is one
// that cannot be read: saving over it is refused until a load succeeds,
// quarantine() moved it aside to "<file>.corrupt-<UTC time>", or remove()
// deleted it (store.hpp).
//
// Safe to use from several threads; two processes on one state directory
// must not write the same key (leader election sees to that).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rewind/history/layout.hpp"
#include "rewind/history/store.hpp"

namespace rwd::history {

struct FileStoreOptions {
  std::filesystem::path state_dir = kDefaultStateDir;
  // Time for quarantine names; the system clock when empty.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// "20250314T092653Z": the suffix quarantined files get.
std::string quarantine_stamp(std::chrono::system_clock::time_point t);

// The file handling both stores share: one file per key, reads that never
// change a file, and the guard that refuses to overwrite a file that was
// found corrupt until it was read back, quarantined or removed. `id` names
// the key in the guard ("history:ns/name", "releases:ns/name"); `what`
// names the file in messages ("the history of ns/name"). Thread-safe.
class GuardedFiles {
 public:
  explicit GuardedFiles(std::function<std::chrono::system_clock::time_point()> clock)
      : clock_(std::move(clock)) {}

  // The file's text; nullopt when it does not exist. An unreadable file is
  // an error and guards the id.
  model::Result<std::optional<std::string>> read(const std::string& id,
                                                 const std::filesystem::path& path);
  // After decoding what read() returned: success clears the guard, failure
  // sets it and adds what to do about the file to the error.
  template <class T>
  model::Result<std::optional<T>> decoded(model::Result<T> r, const std::string& id,
                                          const std::string& what) {
    if (!r.ok()) return refuse_later(r.error(), id, what);
    clear(id);
    return std::optional<T>(std::move(*r));
  }
  model::Status write(const std::string& id, const std::filesystem::path& path,
                      const std::string& text);
  model::Status remove(const std::string& id, const std::filesystem::path& path);
  model::Result<std::string> quarantine(const std::string& id, const std::filesystem::path& path);

 private:
  model::Error refuse_later(model::Error e, const std::string& id, const std::string& what);
  void clear(const std::string& id);

  std::function<std::chrono::system_clock::time_point()> clock_;
  mutable std::mutex mu_;
  std::set<std::string> corrupt_;
};

// The keys of the files "<root>/<namespace>[/<sub>]/<name>.json", sorted;
// an absent root is an empty list.
model::Result<std::vector<model::ObjectKey>> list_keys(const std::filesystem::path& root,
                                                       const std::string& sub);

class FileHistoryStore final : public HistoryStore {
 public:
  static model::Result<std::unique_ptr<FileHistoryStore>> open(FileStoreOptions options);

  model::Result<model::History> load(const model::ObjectKey& key) override;
  model::Status save(const model::ObjectKey& key, const model::History& history) override;
  model::Result<std::vector<model::ObjectKey>> list() override;
  model::Status remove(const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(const model::ObjectKey& key) override;

  [[nodiscard]] const StateLayout& layout() const { return layout_; }
  // Temporary files open() found and removed.
  [[nodiscard]] std::size_t stale_temp_files_removed() const { return stale_removed_; }

 private:
  explicit FileHistoryStore(FileStoreOptions options);

  StateLayout layout_;
  std::size_t stale_removed_ = 0;
  GuardedFiles files_;
};

class FileStatusStore final : public StatusStore {
 public:
  static model::Result<std::unique_ptr<FileStatusStore>> open(FileStoreOptions options);

  model::Status write(const model::Release& release) override;
  model::Status write(const model::Rollback& rollback) override;
  model::Result<std::optional<model::Release>> read_release(const model::ObjectKey& key) override;
  model::Result<std::optional<model::Rollback>> read_rollback(const model::ObjectKey& key) override;
  model::Result<std::vector<model::ObjectKey>> list(StatusKind kind) override;
  model::Status remove(StatusKind kind, const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(StatusKind kind, const model::ObjectKey& key) override;

  [[nodiscard]] const StateLayout& layout() const { return layout_; }
  [[nodiscard]] std::size_t stale_temp_files_removed() const { return stale_removed_; }

 private:
  explicit FileStatusStore(FileStoreOptions options);
  template <class T>
  model::Result<std::optional<T>> read(StatusKind kind, const model::ObjectKey& key);

  StateLayout layout_;
  std::size_t stale_removed_ = 0;
  GuardedFiles files_;
};

}  // namespace rwd::history
