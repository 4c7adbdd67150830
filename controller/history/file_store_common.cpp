// Pieces both file stores share: quarantine names, the corrupt-key set.

#include <ctime>
#include <string>

#include "rewind/history/file_store.hpp"

namespace rwd::history {

std::string quarantine_stamp(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

void CorruptKeys::add(const std::string& id) {
  const std::lock_guard lock(mu_);
  ids_.insert(id);
}

void CorruptKeys::erase(const std::string& id) {
  const std::lock_guard lock(mu_);
  ids_.erase(id);
}

bool CorruptKeys::contains(const std::string& id) const {
  const std::lock_guard lock(mu_);
  return ids_.count(id) != 0;
}

}  // namespace rwd::history
