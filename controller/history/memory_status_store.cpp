// In-memory StatusStore for unit tests of other modules.

#include <algorithm>
#include <utility>

#include "rewind/history/layout.hpp"
#include "rewind/history/memory_store.hpp"

namespace rwd::history {

namespace {

std::string name_of(StatusKind kind, const model::ObjectKey& key) {
  return std::string("memory:status/") + to_string(kind) + "/" + key.str();
}

}  // namespace

model::Status MemoryStatusStore::check_writable(const Id& id) {
  if (next_write_error_) {
    model::Error e = std::move(*next_write_error_);
    next_write_error_.reset();
    return e;
  }
  if (refused_.count(id) != 0) {
    return model::Error::terminal("refusing to replace " + name_of(id.first, id.second) +
                                  ": it could not be read back; quarantine or remove it first");
  }
  corrupt_.erase(id);
  ++writes_;
  return {};
}

model::Status MemoryStatusStore::check_readable(const Id& id) {
  if (next_read_error_) {
    model::Error e = std::move(*next_read_error_);
    next_read_error_.reset();
    refused_.insert(id);
    return e;
  }
  if (const auto it = corrupt_.find(id); it != corrupt_.end()) {
    refused_.insert(id);
    return model::Error::terminal(name_of(id.first, id.second) + ": " + it->second);
  }
  refused_.erase(id);
  return {};
}

model::Status MemoryStatusStore::write(const model::Release& release) {
  const model::ObjectKey key = release.metadata.key();
  if (auto st = check_key(key); !st.ok()) return st;
  const std::lock_guard lock(mu_);
  if (auto st = check_writable({StatusKind::kRelease, key}); !st.ok()) return st;
  releases_[key] = release;
  return {};
}

model::Status MemoryStatusStore::write(const model::Rollback& rollback) {
  const model::ObjectKey key = rollback.metadata.key();
  if (auto st = check_key(key); !st.ok()) return st;
  const std::lock_guard lock(mu_);
  if (auto st = check_writable({StatusKind::kRollback, key}); !st.ok()) return st;
  rollbacks_[key] = rollback;
  return {};
}

model::Result<std::optional<model::Release>> MemoryStatusStore::read_release(
    const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const std::lock_guard lock(mu_);
  if (auto st = check_readable({StatusKind::kRelease, key}); !st.ok()) return st.error();
  const auto it = releases_.find(key);
  if (it == releases_.end()) return std::optional<model::Release>();
  return std::optional<model::Release>(it->second);
}

model::Result<std::optional<model::Rollback>> MemoryStatusStore::read_rollback(
    const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const std::lock_guard lock(mu_);
  if (auto st = check_readable({StatusKind::kRollback, key}); !st.ok()) return st.error();
  const auto it = rollbacks_.find(key);
  if (it == rollbacks_.end()) return std::optional<model::Rollback>();
  return std::optional<model::Rollback>(it->second);
}

model::Result<std::vector<model::ObjectKey>> MemoryStatusStore::list(StatusKind kind) {
  const std::lock_guard lock(mu_);
  std::vector<model::ObjectKey> keys;
  if (kind == StatusKind::kRelease) {
    for (const auto& [key, value] : releases_) keys.push_back(key);
  } else {
    for (const auto& [key, value] : rollbacks_) keys.push_back(key);
  }
  for (const auto& [id, message] : corrupt_) {
    if (id.first == kind) keys.push_back(id.second);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

model::Status MemoryStatusStore::remove(StatusKind kind, const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st;
  const std::lock_guard lock(mu_);
  if (kind == StatusKind::kRelease) {
    releases_.erase(key);
  } else {
    rollbacks_.erase(key);
  }
  corrupt_.erase({kind, key});
  refused_.erase({kind, key});
  return {};
}

model::Result<std::string> MemoryStatusStore::quarantine(StatusKind kind,
                                                         const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const std::lock_guard lock(mu_);
  std::size_t had = corrupt_.erase({kind, key});
  had += kind == StatusKind::kRelease ? releases_.erase(key) : rollbacks_.erase(key);
  refused_.erase({kind, key});
  if (had == 0) return model::Error::terminal("move aside " + name_of(kind, key) + ": absent");
  std::string name = name_of(kind, key) + ".corrupt-" + std::to_string(quarantined_.size() + 1);
  quarantined_.push_back(name);
  return name;
}

void MemoryStatusStore::put_corrupt(StatusKind kind, const model::ObjectKey& key,
                                    std::string message) {
  const std::lock_guard lock(mu_);
  if (kind == StatusKind::kRelease) {
    releases_.erase(key);
  } else {
    rollbacks_.erase(key);
  }
  corrupt_[{kind, key}] = std::move(message);
}

void MemoryStatusStore::fail_next_read(model::Error error) {
  const std::lock_guard lock(mu_);
  next_read_error_ = std::move(error);
}

void MemoryStatusStore::fail_next_write(model::Error error) {
  const std::lock_guard lock(mu_);
  next_write_error_ = std::move(error);
}

std::size_t MemoryStatusStore::write_count() const {
  const std::lock_guard lock(mu_);
  return writes_;
}

std::vector<std::string> MemoryStatusStore::quarantined() const {
  const std::lock_guard lock(mu_);
  return quarantined_;
}

}  // namespace rwd::history
