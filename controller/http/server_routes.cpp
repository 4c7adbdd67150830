// Built-in routes: health, readiness, metrics and the read-only JSON API.

#include <utility>

#include "rewind/http/server.hpp"
#include "rewind/model/metadata.hpp"

namespace rwd::http {
namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

model::Json list(const char* kind, const std::vector<model::Json>& items) {
  model::Json j = model::Json::object();
  j["apiVersion"] = model::kApiVersion;
  j["kind"] = kind;
  j["items"] = model::Json::array();
  for (const auto& item : items) j["items"].push_back(item);
  return j;
}

// {"apiVersion","kind":"ReleaseHistory","metadata":{...},"revisions":[...]}
model::Json history_document(const model::ObjectKey& key, const model::Json& history) {
  model::Json j = model::Json::object();
  j["apiVersion"] = model::kApiVersion;
  j["kind"] = "ReleaseHistory";
  j["metadata"] = model::Json{{"name", key.name}, {"namespace", key.ns}};
  const auto revisions = history.find("revisions");
  j["revisions"] = revisions != history.end() ? *revisions : model::Json::array();
  return j;
}

model::ObjectKey key_of(const ServerRequest& r) {
  return model::ObjectKey{r.param("namespace"), r.param("name")};
}

model::ObjectKey key_of(const model::Json& doc) {
  model::ObjectKey key{model::kDefaultNamespace, ""};
  const auto meta = doc.find("metadata");
  if (meta == doc.end() || !meta->is_object()) return key;
  if (auto ns = meta->find("namespace"); ns != meta->end() && ns->is_string()) {
    key.ns = ns->get<std::string>();
  }
  if (auto name = meta->find("name"); name != meta->end() && name->is_string()) {
    key.name = name->get<std::string>();
  }
  return key;
}

void fill(std::mutex& mu, std::map<model::ObjectKey, model::Json>& into,
          const std::vector<model::Json>& docs) {
  std::map<model::ObjectKey, model::Json> next;
  for (const auto& d : docs) next[key_of(d)] = d;
  const std::lock_guard lock(mu);
  into = std::move(next);
}

std::vector<model::Json> values(std::mutex& mu, const std::map<model::ObjectKey, model::Json>& m) {
  const std::lock_guard lock(mu);
  std::vector<model::Json> out;
  out.reserve(m.size());
  for (const auto& [key, doc] : m) out.push_back(doc);
  return out;
}

std::optional<model::Json> find(std::mutex& mu, const std::map<model::ObjectKey, model::Json>& m,
                                const model::ObjectKey& key) {
  const std::lock_guard lock(mu);
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace

// ---- in-memory provider ------------------------------------------------------

void InMemoryResourceProvider::set_releases(const std::vector<model::Json>& docs) {
  fill(mu_, releases_, docs);
}
void InMemoryResourceProvider::set_rollbacks(const std::vector<model::Json>& docs) {
  fill(mu_, rollbacks_, docs);
}
std::vector<model::Json> InMemoryResourceProvider::releases() const {
  return values(mu_, releases_);
}
std::optional<model::Json> InMemoryResourceProvider::release(const model::ObjectKey& key) const {
  return find(mu_, releases_, key);
}
std::vector<model::Json> InMemoryResourceProvider::rollbacks() const {
  return values(mu_, rollbacks_);
}
std::optional<model::Json> InMemoryResourceProvider::rollback(const model::ObjectKey& key) const {
  return find(mu_, rollbacks_, key);
}

void InMemoryResourceProvider::set_history(const model::ObjectKey& key, model::Json history) {
  const std::lock_guard lock(mu_);
  histories_[key] = std::move(history);
}
std::optional<model::Json> InMemoryResourceProvider::history(const model::ObjectKey& key) const {
  return find(mu_, histories_, key);
}

// ---- routes --------------------------------------------------------------------

void add_standard_routes(Router& router, StandardRoutes routes) {
  router.get("/healthz", [](const ServerRequest&) {
    return ServerResponse::json(200, model::Json{{"status", "ok"}});
  });

  router.get("/readyz", [probe = std::move(routes.readiness)](const ServerRequest&) {
    const Readiness r = probe ? probe() : Readiness{};
    if (!r.ready) return ServerResponse::error(503, r.reason.empty() ? "not ready" : r.reason);
    return ServerResponse::json(200, model::Json{{"status", "ready"}});
  });

  if (routes.metrics) {
    router.get("/metrics", [render = std::move(routes.metrics)](const ServerRequest&) {
      return ServerResponse::text(200, render(), kMetricsContentType);
    });
  }

  if (const auto provider = std::move(routes.resources)) {
    router.get("/api/v1/releases", [provider](const ServerRequest&) {
      return ServerResponse::json(200, list("ReleaseList", provider->releases()));
    });
    router.get("/api/v1/releases/{namespace}/{name}", [provider](const ServerRequest& r) {
      const auto key = key_of(r);
      if (auto doc = provider->release(key)) return ServerResponse::json(200, *doc);
      return ServerResponse::error(404, "release " + key.str() + " not found");
    });
    router.get("/api/v1/releases/{namespace}/{name}/history", [provider](const ServerRequest& r) {
      const auto key = key_of(r);
      if (auto h = provider->history(key)) {
        return ServerResponse::json(200, history_document(key, *h));
      }
      return ServerResponse::error(404, "no history for release " + key.str());
    });
    router.get("/api/v1/rollbacks", [provider](const ServerRequest&) {
      return ServerResponse::json(200, list("RollbackList", provider->rollbacks()));
    });
    router.get("/api/v1/rollbacks/{namespace}/{name}", [provider](const ServerRequest& r) {
      const auto key = key_of(r);
      if (auto doc = provider->rollback(key)) return ServerResponse::json(200, *doc);
      return ServerResponse::error(404, "rollback " + key.str() + " not found");
    });
  }
}

}  // namespace rwd::http
