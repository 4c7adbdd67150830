#pragma once
// In-memory HistoryStore and StatusStore for unit tests of the modules that
// use them (executor, runtime, CLI). They behave like the file stores: keys
// are checked the same way, a corrupt entry fails load/read, a failed
// load/read (corrupt or injected) blocks save/write of that key until a load
// succeeds, quarantine() or remove(), and failures can be injected.
// Thread-safe.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rewind/history/store.hpp"

namespace rwd::history {

class MemoryHistoryStore final : public HistoryStore {
 public:
  model::Result<model::History> load(const model::ObjectKey& key) override;
  model::Status save(const model::ObjectKey& key, const model::History& history) override;
  model::Result<std::vector<model::ObjectKey>> list() override;
  model::Status remove(const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(const model::ObjectKey& key) override;

  // Test hooks.
  // The key now holds something unreadable: load() fails with `message`.
  void put_corrupt(const model::ObjectKey& key, std::string message);
  // The next load() / save() fails with this error (once).
  void fail_next_load(model::Error error);
  void fail_next_save(model::Error error);
  // Successful saves so far.
  [[nodiscard]] std::size_t save_count() const;
  // Names quarantine() gave, in order.
  [[nodiscard]] std::vector<std::string> quarantined() const;

 private:
  mutable std::mutex mu_;
  std::map<model::ObjectKey, model::History> histories_;
  std::map<model::ObjectKey, std::string> corrupt_;  // unreadable entries
  std::set<model::ObjectKey> refused_;               // corrupt entries seen by load()
  std::optional<model::Error> next_load_error_;
  std::optional<model::Error> next_save_error_;
  std::size_t saves_ = 0;
  std::vector<std::string> quarantined_;
};

class MemoryStatusStore final : public StatusStore {
 public:
  model::Status write(const model::Release& release) override;
  model::Status write(const model::Rollback& rollback) override;
  model::Result<std::optional<model::Release>> read_release(const model::ObjectKey& key) override;
  model::Result<std::optional<model::Rollback>> read_rollback(const model::ObjectKey& key) override;
  model::Result<std::vector<model::ObjectKey>> list(StatusKind kind) override;
  model::Status remove(StatusKind kind, const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(StatusKind kind, const model::ObjectKey& key) override;

  // Test hooks, as for MemoryHistoryStore.
  void put_corrupt(StatusKind kind, const model::ObjectKey& key, std::string message);
  void fail_next_read(model::Error error);
  void fail_next_write(model::Error error);
  [[nodiscard]] std::size_t write_count() const;
  [[nodiscard]] std::vector<std::string> quarantined() const;

 private:
  using Id = std::pair<StatusKind, model::ObjectKey>;
  model::Status check_writable(const Id& id);  // called with mu_ held
  model::Status check_readable(const Id& id);  // called with mu_ held

  mutable std::mutex mu_;
  std::map<model::ObjectKey, model::Release> releases_;
  std::map<model::ObjectKey, model::Rollback> rollbacks_;
  std::map<Id, std::string> corrupt_;
  std::set<Id> refused_;
  std::optional<model::Error> next_read_error_;
  std::optional<model::Error> next_write_error_;
  std::size_t writes_ = 0;
  std::vector<std::string> quarantined_;
};

}  // namespace rwd::history
