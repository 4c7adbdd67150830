// The Kubernetes API client: requests with credentials, paging, watches.

#include "rewind/kube/api.hpp"

#include <algorithm>
#include <utility>

#include "rewind/http/url.hpp"

namespace rwd::kube {
namespace {

bool path_safe(std::string_view name) {
  return !name.empty() && name.find_first_of("/?#%") == std::string_view::npos && name != "." &&
         name != "..";
}

const char* content_type_of(PatchType t) {
  switch (t) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

model::ErrorKind kind_of_status(int status) {
  if (status == 409 || status == 410 || status == 429 || status >= 500) {
    return model::ErrorKind::kTransient;
  }
  if (status == 422) return model::ErrorKind::kInvalidSpec;
  return model::ErrorKind::kTerminal;
}

std::string append_query(const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q = http::query_string(params);
  if (q.empty()) return path;
  if (path.find('?') != std::string::npos) q[0] = '&';
  return path + q;
}

}  // namespace

model::Result<Json> parse_api_json(std::string_view body, std::string_view what) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return model::Error::transient(std::string(what) + ": the API server's answer is not JSON");
  }
  return j;
}

std::string api_version(const Resource& r) {
  return r.group.empty() ? r.version : r.group + "/" + r.version;
}

std::string path_of(const Resource& r, std::string_view ns, std::string_view name,
                    std::string_view subresource) {
  std::string p = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (!ns.empty()) p += "/namespaces/" + http::percent_encode(ns);
  p += "/" + r.plural;
  if (!name.empty()) {
    p += "/" + (path_safe(name) ? std::string(name) : http::percent_encode(name));
    if (!subresource.empty()) p += "/" + std::string(subresource);
  }
  return p;
}

std::string meta_string(const Json& object, const char* field) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  auto f = m->find(field);
  if (f == m->end() || !f->is_string()) return {};
  return f->get<std::string>();
}

model::Error api_error(const std::string& method, const std::string& target, int status,
                       const std::string& body) {
  std::string message;
  std::string reason;
  const Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    message = j.value("message", "");
    reason = j.value("reason", "");
  }
  if (message.empty()) {
    message = body.substr(0, 200);
    std::replace(message.begin(), message.end(), '\n', ' ');
  }
  std::string text = method + " " + target + ": " + std::to_string(status);
  if (!reason.empty()) text += " " + reason;
  if (!message.empty()) text += ": " + message;
  return {kind_of_status(status), std::move(text), std::move(reason)};
}

Api::Api(ClusterConfig config, ApiOptions options, ClientFactory factory)
    : config_(std::move(config)), options_(std::move(options)), factory_(std::move(factory)) {
  if (!factory_) {
    factory_ = [endpoint = config_.endpoint]() { return http::make_client(endpoint); };
  }
}

model::Result<std::unique_ptr<http::Client>> Api::take_client() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return factory_();
}

void Api::give_back(std::unique_ptr<http::Client> client) {
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(client));
}

model::Result<http::Headers> Api::headers(std::string_view content_type) const {
  http::Headers h{{"Accept", "application/json"}};
  if (!content_type.empty()) h.emplace_back("Content-Type", std::string(content_type));
  auto auth = config_.authorization();
  if (!auth) return auth.error();
  if (!auth->empty()) h.emplace_back("Authorization", *auth);
  return h;
}

model::Result<http::ClientResponse> Api::send(const std::string& method, const std::string& target,
                                              std::string body, std::string_view content_type) {
  auto h = headers(content_type);
  if (!h) return h.error();
  auto client = take_client();
  if (!client) return client.error();
  ++requests_;
  http::ClientRequest req{method, target, std::move(*h), std::move(body)};
  auto resp = (*client)->request(req, options_.timeout);
  if (!resp) {
    // The connection is in an unknown state: drop it.
    return model::Error::transient(method + " " + target + " on " + config_.endpoint.str() + ": " +
                                   resp.error().message);
  }
  give_back(std::move(*client));
  if (!resp->success()) return api_error(method, target, resp->status, resp->body);
  return std::move(*resp);
}

model::Result<Json> Api::get(const std::string& path) {
  auto r = send("GET", path, {}, {});
  if (!r) return r.error();
  return parse_api_json(r->body, "GET " + path);
}

model::Result<ListResult> Api::list(const std::string& path) {
  ListResult out;
  std::string cont;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> q{
        {"limit", std::to_string(options_.page_size)}};
    if (!cont.empty()) q.emplace_back("continue", cont);
    const std::string target = append_query(path, q);
    auto r = send("GET", target, {}, {});
    if (!r) return r.error();
    auto j = parse_api_json(r->body, "GET " + target);
    if (!j) return j.error();
    auto items = j->find("items");
    if (items != j->end() && items->is_array()) {
      for (auto& item : *items) out.items.push_back(std::move(item));
    }
    out.resource_version = meta_string(*j, "resourceVersion");
    cont = meta_string(*j, "continue");
    if (cont.empty()) break;
  }
  return out;
}

model::Result<Json> Api::create(const std::string& path, const Json& body) {
  const std::string target = append_query(path, {{"fieldManager", options_.field_manager}});
  auto r = send("POST", target, body.dump(), "application/json");
  if (!r) return r.error();
  return parse_api_json(r->body, "POST " + path);
}

model::Result<Json> Api::replace(const std::string& path, const Json& body) {
  const std::string target = append_query(path, {{"fieldManager", options_.field_manager}});
  auto r = send("PUT", target, body.dump(), "application/json");
  if (!r) return r.error();
  return parse_api_json(r->body, "PUT " + path);
}

model::Result<Json> Api::patch(const std::string& path, const Json& body, PatchType type) {
  const std::string target = append_query(path, {{"fieldManager", options_.field_manager}});
  auto r = send("PATCH", target, body.dump(), content_type_of(type));
  if (!r) return r.error();
  return parse_api_json(r->body, "PATCH " + path);
}

model::Status Api::remove(const std::string& path) {
  auto r = send("DELETE", path, {}, {});
  if (!r) return r.error();
  return {};
}

model::Result<WatchEnd> Api::watch(const std::string& path, const std::string& resource_version,
                                   const std::function<bool(const WatchEvent&)>& on_event,
                                   std::stop_token stop) {
  auto h = headers({});
  if (!h) return h.error();
  auto made = factory_();  // a connection of its own: it stays busy for minutes
  if (!made) return made.error();
  std::unique_ptr<http::Client> client = std::move(*made);
  const std::string target =
      append_query(path, {{"watch", "true"},
                          {"allowWatchBookmarks", "true"},
                          {"resourceVersion", resource_version},
                          {"timeoutSeconds", std::to_string(options_.watch_timeout.count())}});
  ++requests_;
  std::string buffer;
  bool gone = false;
  bool handler_stopped = false;
  std::optional<model::Error> bad;
  auto on_data = [&](std::string_view data) {
    buffer.append(data);
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string_view line(buffer.data() + start, nl - start);
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
      Json j = Json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
        bad = model::Error::transient("watch " + path + ": an event that is not JSON");
        return false;
      }
      const std::string type = j["type"].get<std::string>();
      WatchEvent ev;
      if (type == "ADDED") {
        ev.type = WatchType::kAdded;
      } else if (type == "MODIFIED") {
        ev.type = WatchType::kModified;
      } else if (type == "DELETED") {
        ev.type = WatchType::kDeleted;
      } else if (type == "BOOKMARK") {
        ev.type = WatchType::kBookmark;
      } else if (type == "ERROR") {
        const Json& st = j.value("object", Json::object());
        if (st.value("code", 0) == 410) {
          gone = true;
        } else {
          bad = api_error("watch", path, st.value("code", 500), st.dump());
        }
        return false;
      } else {
        continue;  // a type of a later API version: nothing to do with it
      }
      ev.object = std::move(j["object"]);
      if (!on_event(ev)) {
        handler_stopped = true;
        return false;
      }
    }
    buffer.erase(0, start);
    return true;
  };
  const auto idle = options_.watch_timeout + std::chrono::seconds(30);
  http::ClientRequest req{"GET", target, std::move(*h), {}};
  auto r = client->stream(req, on_data, std::chrono::duration_cast<std::chrono::milliseconds>(idle),
                          stop);
  if (!r) return model::Error::transient("watch " + path + ": " + r.error().message);
  if (!r->head.success()) {
    if (r->head.status == 410) return WatchEnd::kGone;
    return api_error("watch", path, r->head.status, r->head.body);
  }
  if (gone) return WatchEnd::kGone;
  if (bad) return *bad;
  if (handler_stopped) return WatchEnd::kHandlerStopped;
  if (r->end == http::StreamEnd::kStopRequested) return WatchEnd::kStopped;
  return WatchEnd::kClosed;
}

std::string label_selector_query(const std::map<std::string, std::string>& labels) {
  std::string selector;
  for (const auto& [k, v] : labels) selector += (selector.empty() ? "" : ",") + k + "=" + v;
  return "?labelSelector=" + http::percent_encode(selector);
}

}  // namespace rwd::kube
