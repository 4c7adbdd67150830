#pragma once
// An in-memory API server behind the http::Client interface, for unit tests
// of the kube module: objects by path, resourceVersions, 409 on a stale
// resourceVersion, merge patches, /status subresources, lists with paging,
// and watches that deliver scripted events. Requests are recorded.

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rewind/http/client.hpp"
#include "rewind/http/url.hpp"
#include "rewind/kube/api.hpp"

namespace rwd::kube::testing {

struct FakeApiState {
  std::mutex mu;
  std::map<std::string, Json> objects;  // by object path (no subresource)
  std::int64_t version = 100;
  std::vector<http::ClientRequest> requests;
  // Watches: each watch request takes the next script (events as JSON
  // lines); none left: 410 Gone.
  std::vector<std::vector<std::string>> watch_scripts;
  // The next N writes (PUT/PATCH) answer 409 Conflict.
  int conflicts = 0;
  std::size_t page_size_seen = 0;

  std::vector<std::string> methods_and_targets() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& r : requests) out.push_back(r.method + " " + r.target);
    return out;
  }
  std::size_t count(const std::string& method) {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const auto& r : requests) {
      if (r.method == method) ++n;
    }
    return n;
  }
};

inline std::string strip_query(const std::string& target) {
  return target.substr(0, target.find('?'));
}

// The collection an object path is in: /api/v1/namespaces/a/services for
// /api/v1/namespaces/a/services/s, or (all_namespaces) /api/v1/services.
inline std::string collection_of(const std::string& object_path, bool all_namespaces) {
  std::string c = object_path.substr(0, object_path.rfind('/'));
  if (!all_namespaces) return c;
  const auto ns = c.find("/namespaces/");
  if (ns == std::string::npos) return c;
  const auto after = c.find('/', ns + 12);
  return c.substr(0, ns) + (after == std::string::npos ? "" : c.substr(after));
}

// The number after "name=" in a request target's query; `fallback` when absent.
inline std::size_t query_number(const std::string& target, const std::string& name,
                                std::size_t fallback) {
  const auto q = target.find('?');
  if (q == std::string::npos) return fallback;
  const std::string query = "&" + target.substr(q + 1);
  const auto at = query.find("&" + name + "=");
  if (at == std::string::npos) return fallback;
  return static_cast<std::size_t>(std::stoul(query.substr(at + name.size() + 2)));
}

// True when the object's labels hold every k=v of the target's
// labelSelector (equality terms only, as rewind sends them).
inline bool selected(const std::string& target, const Json& object) {
  const auto q = target.find('?');
  if (q == std::string::npos) return true;
  const std::string query = "&" + target.substr(q + 1);
  const auto at = query.find("&labelSelector=");
  if (at == std::string::npos) return true;
  const auto begin = at + 15;
  const std::string raw = query.substr(begin, query.find('&', begin) - begin);
  std::string selector;
  if (!http::percent_decode(raw, selector)) return false;
  const Json labels = object.value("metadata", Json::object()).value("labels", Json::object());
  std::size_t pos = 0;
  while (pos <= selector.size()) {
    const auto comma = std::min(selector.find(',', pos), selector.size());
    const std::string term = selector.substr(pos, comma - pos);
    const auto eq = term.find('=');
    if (eq != std::string::npos && labels.value(term.substr(0, eq), "") != term.substr(eq + 1)) {
      return false;
    }
    pos = comma + 1;
  }
  return true;
}

inline http::ClientResponse json_response(int status, const Json& body) {
  http::ClientResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

inline http::ClientResponse status_response(int code, const std::string& reason,
                                            const std::string& message) {
  return json_response(code, Json{{"kind", "Status"},
                                  {"apiVersion", "v1"},
                                  {"status", "Failure"},
                                  {"code", code},
                                  {"reason", reason},
                                  {"message", message}});
}

class FakeApiClient final : public http::Client {
 public:
  explicit FakeApiClient(std::shared_ptr<FakeApiState> state) : s_(std::move(state)) {}

  model::Result<http::ClientResponse> request(const http::ClientRequest& req,
                                              std::chrono::milliseconds) override {
    std::lock_guard lock(s_->mu);
    s_->requests.push_back(req);
    std::string path = strip_query(req.target);
    std::string sub;
    for (const char* suffix : {"/status"}) {
      const std::string sfx(suffix);
      if (path.size() > sfx.size() &&
          path.compare(path.size() - sfx.size(), sfx.size(), sfx) == 0 &&
          s_->objects.count(path.substr(0, path.size() - sfx.size())) != 0) {
        sub = "status";
        path = path.substr(0, path.size() - sfx.size());
      }
    }
    if (req.method == "GET") {
      if (auto it = s_->objects.find(path); it != s_->objects.end())
        return json_response(200, it->second);
      // A collection: every object under it.
      Json items = Json::array();
      for (const auto& [p, o] : s_->objects) {
        if ((collection_of(p, false) == path || collection_of(p, true) == path) &&
            selected(req.target, o)) {
          items.push_back(o);
        }
      }
      bool collection = !items.empty() || path.ends_with("s");
      if (!collection) return status_response(404, "NotFound", path + " not found");
      // Pages: limit=N, continue=<offset>.
      const std::size_t limit = query_number(req.target, "limit", items.size());
      const std::size_t offset = query_number(req.target, "continue", 0);
      Json page = Json::array();
      for (std::size_t i = offset; i < items.size() && i < offset + limit; ++i)
        page.push_back(items[i]);
      Json meta = {{"resourceVersion", std::to_string(s_->version)}};
      if (offset + limit < items.size()) meta["continue"] = std::to_string(offset + limit);
      return json_response(200, Json{{"kind", "List"}, {"metadata", meta}, {"items", page}});
    }
    if (req.method == "POST") {
      Json body = Json::parse(req.body);
      std::string name = body["metadata"].value("name", "");
      if (name.empty())
        name = body["metadata"].value("generateName", "x") + std::to_string(s_->version);
      body["metadata"]["name"] = name;
      const std::string p = path + "/" + name;
      if (s_->objects.count(p) != 0) return status_response(409, "AlreadyExists", p + " exists");
      body["metadata"]["resourceVersion"] = std::to_string(++s_->version);
      body["metadata"]["generation"] = 1;
      s_->objects[p] = body;
      return json_response(201, body);
    }
    auto it = s_->objects.find(path);
    if (it == s_->objects.end()) return status_response(404, "NotFound", path + " not found");
    if (s_->conflicts > 0) {
      --s_->conflicts;
      ++s_->version;  // someone else wrote
      it->second["metadata"]["resourceVersion"] = std::to_string(s_->version);
      return status_response(409, "Conflict", "the object has been modified");
    }
    Json body = req.body.empty() ? Json::object() : Json::parse(req.body);
    const std::string want =
        body.contains("metadata") ? body["metadata"].value("resourceVersion", "") : "";
    if (!want.empty() && want != it->second["metadata"].value("resourceVersion", "")) {
      return status_response(409, "Conflict", "the object has been modified");
    }
    Json next = it->second;
    if (req.method == "PUT") {
      if (sub == "status") {
        next["status"] = body.value("status", Json::object());
      } else {
        Json keep_status = next.value("status", Json());
        next = body;
        if (!keep_status.is_null()) next["status"] = keep_status;
      }
    } else if (req.method == "PATCH") {
      next.merge_patch(body);
    } else if (req.method == "DELETE") {
      s_->objects.erase(it);
      return json_response(200, Json{{"kind", "Status"}, {"status", "Success"}});
    }
    if (sub.empty() && next.value("spec", Json()) != it->second.value("spec", Json())) {
      next["metadata"]["generation"] = it->second["metadata"].value("generation", 1) + 1;
    }
    next["metadata"]["resourceVersion"] = std::to_string(++s_->version);
    it->second = next;
    return json_response(200, next);
  }

  model::Result<http::StreamResult> stream(const http::ClientRequest& req,
                                           const http::StreamHandlers& handlers,
                                           std::chrono::milliseconds, std::stop_token) override {
    std::vector<std::string> script;
    {
      std::lock_guard lock(s_->mu);
      s_->requests.push_back(req);
      if (s_->watch_scripts.empty()) {
        http::StreamResult gone;
        gone.head = status_response(410, "Expired", "too old resource version");
        return gone;
      }
      script = s_->watch_scripts.front();
      s_->watch_scripts.erase(s_->watch_scripts.begin());
    }
    http::StreamResult out;
    out.head.status = 200;
    if (handlers.on_head && !handlers.on_head(out.head)) return out;
    for (const auto& line : script) {
      if (line == "<broken>") return model::Error::transient("connection reset by peer");
      if (!handlers.on_data(line + "\n")) {
        out.end = http::StreamEnd::kHandlerStopped;
        return out;
      }
    }
    return out;
  }

  [[nodiscard]] const http::Endpoint& endpoint() const override { return endpoint_; }

 private:
  std::shared_ptr<FakeApiState> s_;
  http::Endpoint endpoint_{http::Transport::kTls, "", "127.0.0.1", 6443, {}};
};

inline ClusterConfig fake_cluster() {
  ClusterConfig c;
  c.endpoint = http::Endpoint{http::Transport::kTls, "", "127.0.0.1", 6443, {}};
  c.bearer_token = "test-token";
  c.source = "fake";
  return c;
}

inline ClientFactory fake_factory(std::shared_ptr<FakeApiState> state) {
  return [state]() -> model::Result<std::unique_ptr<http::Client>> {
    return std::unique_ptr<http::Client>(std::make_unique<FakeApiClient>(state));
  };
}

}  // namespace rwd::kube::testing
