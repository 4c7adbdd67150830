// Snapshots of compose services' containers, in memory and in files.

#include <spdlog/spdlog.h>

#include "rewind/docker/snapshot.hpp"
#include "rewind/history/atomic_file.hpp"
#include "rewind/history/layout.hpp"

namespace rwd::docker {
namespace {

constexpr std::size_t kMaxSnapshotBytes = 4U * 1024U * 1024U;

model::Status check_names(const std::string& project, const std::string& service) {
  if (!history::is_safe_component(project) || !history::is_safe_component(service)) {
    return model::Error::invalid_spec("compose project \"" + project + "\" / service \"" + service +
                                      "\": not usable as a file name");
  }
  return {};
}

}  // namespace

std::filesystem::path SnapshotStore::file(const std::string& project,
                                          const std::string& service) const {
  if (dir_.empty()) return {};
  return dir_ / project / (service + ".json");
}

SnapshotStore::Entry* SnapshotStore::entry(const Key& key, std::optional<model::Error>* error) {
  if (auto it = entries_.find(key); it != entries_.end()) return &it->second;
  if (dir_.empty() || !check_names(key.first, key.second)) return nullptr;
  const std::filesystem::path path = file(key.first, key.second);
  bool missing = false;
  auto text = history::read_file(path, kMaxSnapshotBytes, &missing);
  if (!text) {
    if (!missing) *error = text.error();
    return nullptr;
  }
  const nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    *error = model::Error::terminal(path.string() + ": not valid JSON");
    return nullptr;
  }
  auto snapshot = snapshot_from_json(doc, path.string());
  if (!snapshot) {
    *error = snapshot.error();
    return nullptr;
  }
  if (snapshot->project != key.first || snapshot->service != key.second) {
    *error = model::Error::terminal(path.string() + ": holds the snapshot of " + snapshot->project +
                                    "/" + snapshot->service);
    return nullptr;
  }
  return &entries_.insert_or_assign(key, Entry{std::move(*snapshot), true}).first->second;
}

model::Status SnapshotStore::write(const ServiceSnapshot& s) {
  if (auto st = check_names(s.project, s.service); !st) return st;
  const std::filesystem::path path = file(s.project, s.service);
  if (auto st = history::ensure_directory(path.parent_path()); !st) return st;
  return history::write_file_atomic(path, to_json(s).dump(2) + "\n");
}

model::Status SnapshotStore::keep(const ServiceSnapshot& s) {
  const Key key{s.project, s.service};
  std::optional<model::Error> unreadable;
  Entry* kept = entry(key, &unreadable);
  if (unreadable) {
    spdlog::warn("{}; replacing it with the configuration of container {}", unreadable->message,
                 s.name);
  }
  const bool want_file = !dir_.empty();
  if (kept != nullptr && kept->snapshot == s && (kept->on_disk || !want_file)) return {};
  Entry& e = entries_.insert_or_assign(key, Entry{s, false}).first->second;
  if (!want_file) return {};
  if (auto st = write(s); !st) return st;
  e.on_disk = true;
  return {};
}

model::Result<std::optional<ServiceSnapshot>> SnapshotStore::find(const std::string& project,
                                                                  const std::string& service) {
  std::optional<model::Error> unreadable;
  const Entry* e = entry({project, service}, &unreadable);
  if (unreadable) return *unreadable;
  if (e == nullptr) return std::optional<ServiceSnapshot>();
  return std::optional<ServiceSnapshot>(e->snapshot);
}

}  // namespace rwd::docker
