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

// Keys whose file was found corrupt and not yet dealt with. Shared by the
// file stores; thread-safe.
class CorruptKeys {
 public:
  void add(const std::string& id);
  void erase(const std::string& id);
  [[nodiscard]] bool contains(const std::string& id) const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> ids_;
};

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

  FileStoreOptions options_;
  StateLayout layout_;
  std::size_t stale_removed_ = 0;
  CorruptKeys corrupt_;
};

class FileStatusStore final : public StatusStore {
 public:
  static model::Result<std::unique_ptr<FileStatusStore>> open(FileStoreOptions options);

  model::Status write(const model::Release& release) override;
  model::Status write(const model::Rollback& rollback) override;
  model::Result<std::optional<model::Release>> read_release(const model::ObjectKey& key) override;
  model::Result<std::optional<model::Rollback>> read_rollback(
      const model::ObjectKey& key) override;
  model::Result<std::vector<model::ObjectKey>> list(StatusKind kind) override;
  model::Status remove(StatusKind kind, const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(StatusKind kind, const model::ObjectKey& key) override;

  [[nodiscard]] const StateLayout& layout() const { return layout_; }
  [[nodiscard]] std::size_t stale_temp_files_removed() const { return stale_removed_; }

 private:
  explicit FileStatusStore(FileStoreOptions options);
  model::Status write_text(StatusKind kind, const model::ObjectKey& key, const std::string& text);
  // The file's text; nullopt when absent.
  model::Result<std::optional<std::string>> read_text(StatusKind kind, const model::ObjectKey& key);

  FileStoreOptions options_;
  StateLayout layout_;
  std::size_t stale_removed_ = 0;
  CorruptKeys corrupt_;
};

}  // namespace rwd::history
