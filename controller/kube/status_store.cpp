// Release and Rollback status (and the Release's history) in the status
// subresource.

#include "rewind/kube/status_store.hpp"

#include <variant>

#include "rewind/kube/objects.hpp"

namespace rwd::kube {
namespace {

bool not_found(const model::Error& e) { return e.reason == "NotFound"; }

template <class T>
model::Result<std::optional<T>> read_object(Api& api, const Resource& r,
                                            const model::ObjectKey& key) {
  auto got = api.get(path_of(r, key.ns, key.name));
  if (!got) {
    if (not_found(got.error())) return std::optional<T>();
    return got.error();
  }
  Decoded d = decode_api_object(*got);
  if (!d.object) {
    return model::Error::invalid_spec(d.errors.empty() ? key.str() + ": cannot be read"
                                                       : d.errors.front().str());
  }
  if (auto* t = std::get_if<T>(&*d.object)) return std::optional<T>(std::move(*t));
  return model::Error::terminal(key.str() + ": not a " + r.kind);
}

model::Result<std::vector<model::ObjectKey>> keys_of(Api& api, const Resource& r,
                                                     bool with_history_only) {
  auto listed = api.list(path_of(r, {}));
  if (!listed) return listed.error();
  std::vector<model::ObjectKey> keys;
  for (const auto& item : listed->items) {
    if (with_history_only) {
      auto s = item.find("status");
      if (s == item.end() || !s->is_object() || !s->contains("history")) continue;
    }
    keys.push_back({meta_string(item, "namespace"), meta_string(item, "name")});
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

model::Status KubeStatusStore::update_status(
    const Resource& r, const model::ObjectKey& key,
    const std::function<model::Status(Json& status)>& change) {
  const std::string path = path_of(r, key.ns, key.name);
  model::Error last = model::Error::transient("");
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto object = api_.get(path);
    if (!object) return object.error();
    Json& obj = *object;
    Json before = obj.contains("status") ? obj["status"] : Json::object();
    Json status = before;
    if (auto st = change(status); !st) return st;
    if (status == before) {
      ++unchanged_;
      return {};
    }
    obj["status"] = std::move(status);
    auto put = api_.replace(path + "/status", obj);
    if (put) {
      ++writes_;
      return {};
    }
    if (put.error().reason != "Conflict") return put.error();
    last = put.error();
  }
  return model::Error::transient(key.str() + ": status not written after " +
                                 std::to_string(kConflictRetries) +
                                 " conflicts (the object keeps changing): " + last.message);
}

model::Status KubeStatusStore::write(const model::Release& release) {
  const Json fresh = release_status_json(release, std::nullopt);
  return update_status(kReleases, release.metadata.key(), [&](Json& status) -> model::Status {
    Json history = status.contains("history") ? status["history"] : Json();
    status = fresh;
    if (!history.is_null()) status["history"] = std::move(history);
    return {};
  });
}

model::Status KubeStatusStore::write(const model::Rollback& rollback) {
  const Json fresh = rollback_status_json(rollback);
  return update_status(kRollbacks, rollback.metadata.key(), [&](Json& status) -> model::Status {
    status = fresh;
    return {};
  });
}

model::Result<std::optional<model::Release>> KubeStatusStore::read_release(
    const model::ObjectKey& key) {
  return read_object<model::Release>(api_, kReleases, key);
}

model::Result<std::optional<model::Rollback>> KubeStatusStore::read_rollback(
    const model::ObjectKey& key) {
  return read_object<model::Rollback>(api_, kRollbacks, key);
}

model::Result<std::vector<model::ObjectKey>> KubeStatusStore::list(history::StatusKind kind) {
  return keys_of(api_, kind == history::StatusKind::kRelease ? kReleases : kRollbacks, false);
}

model::Status KubeStatusStore::remove(history::StatusKind, const model::ObjectKey&) { return {}; }

model::Result<std::string> KubeStatusStore::quarantine(history::StatusKind kind,
                                                       const model::ObjectKey& key) {
  return model::Error::terminal(std::string(history::to_string(kind)) + " " + key.str() +
                                ": a status in the API server cannot be moved aside; fix or "
                                "clear it with kubectl edit --subresource=status");
}

model::Result<model::History> KubeStatusStore::load(const model::ObjectKey& key) {
  auto got = api_.get(path_of(kReleases, key.ns, key.name));
  if (!got) {
    if (not_found(got.error())) return model::History{};
    return got.error();
  }
  return history_of(*got);
}

model::Status KubeStatusStore::save(const model::ObjectKey& key, const model::History& history) {
  const Json revisions = model::to_json(history)["revisions"];
  return update_status(kReleases, key, [&](Json& status) -> model::Status {
    status["history"] = revisions;
    return {};
  });
}

model::Result<std::vector<model::ObjectKey>> KubeStatusStore::list() {
  return keys_of(api_, kReleases, true);
}

model::Status KubeStatusStore::remove(const model::ObjectKey&) { return {}; }

model::Result<std::string> KubeStatusStore::quarantine(const model::ObjectKey& key) {
  return quarantine(history::StatusKind::kRelease, key);
}

}  // namespace rwd::kube
