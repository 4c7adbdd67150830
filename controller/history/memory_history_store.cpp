// In-memory HistoryStore for unit tests of other modules.

#include <utility>

#include "rewind/history/layout.hpp"
#include "rewind/history/memory_store.hpp"

namespace rwd::history {

model::Result<model::History> MemoryHistoryStore::load(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const std::lock_guard lock(mu_);
  if (next_load_error_) {
    model::Error e = std::move(*next_load_error_);
    next_load_error_.reset();
    refused_.insert(key);
    return e;
  }
  if (const auto it = corrupt_.find(key); it != corrupt_.end()) {
    refused_.insert(key);
    return model::Error::terminal("memory:history/" + key.str() + ": " + it->second);
  }
  refused_.erase(key);
  const auto it = histories_.find(key);
  return it == histories_.end() ? model::History{} : it->second;
}

model::Status MemoryHistoryStore::save(const model::ObjectKey& key, const model::History& history) {
  if (auto st = check_key(key); !st.ok()) return st;
  const std::lock_guard lock(mu_);
  if (next_save_error_) {
    model::Error e = std::move(*next_save_error_);
    next_save_error_.reset();
    return e;
  }
  if (refused_.count(key) != 0) {
    return model::Error::terminal("refusing to replace memory:history/" + key.str() +
                                  ": it could not be read back; quarantine or remove it first");
  }
  corrupt_.erase(key);
  histories_[key] = history;
  ++saves_;
  return {};
}

model::Result<std::vector<model::ObjectKey>> MemoryHistoryStore::list() {
  const std::lock_guard lock(mu_);
  std::vector<model::ObjectKey> keys;
  // Both maps are sorted; merge them (a key is in at most one).
  auto h = histories_.begin();
  auto c = corrupt_.begin();
  while (h != histories_.end() || c != corrupt_.end()) {
    if (c == corrupt_.end() || (h != histories_.end() && h->first < c->first)) {
      keys.push_back((h++)->first);
    } else {
      keys.push_back((c++)->first);
    }
  }
  return keys;
}

model::Status MemoryHistoryStore::remove(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st;
  const std::lock_guard lock(mu_);
  histories_.erase(key);
  corrupt_.erase(key);
  refused_.erase(key);
  return {};
}

model::Result<std::string> MemoryHistoryStore::quarantine(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const std::lock_guard lock(mu_);
  const bool had = histories_.erase(key) + corrupt_.erase(key) != 0;
  refused_.erase(key);
  if (!had) return model::Error::terminal("move aside memory:history/" + key.str() + ": absent");
  std::string name =
      "memory:history/" + key.str() + ".corrupt-" + std::to_string(quarantined_.size() + 1);
  quarantined_.push_back(name);
  return name;
}

void MemoryHistoryStore::put_corrupt(const model::ObjectKey& key, std::string message) {
  const std::lock_guard lock(mu_);
  histories_.erase(key);
  corrupt_[key] = std::move(message);
}

void MemoryHistoryStore::fail_next_load(model::Error error) {
  const std::lock_guard lock(mu_);
  next_load_error_ = std::move(error);
}

void MemoryHistoryStore::fail_next_save(model::Error error) {
  const std::lock_guard lock(mu_);
  next_save_error_ = std::move(error);
}

std::size_t MemoryHistoryStore::save_count() const {
  const std::lock_guard lock(mu_);
  return saves_;
}

std::vector<std::string> MemoryHistoryStore::quarantined() const {
  const std::lock_guard lock(mu_);
  return quarantined_;
}

}  // namespace rwd::history
