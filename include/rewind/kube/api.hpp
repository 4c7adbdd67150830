#pragma once
// A small Kubernetes API client over rwd::http: JSON requests with the
// cluster's credentials, list with paging, watch as a stream of events, and
// the API server's errors as model::Error with the Status reason kept
// ("NotFound", "Conflict", "AlreadyExists", "Expired", "Forbidden", ...).
//
// Connections are kept and reused (a small pool; each request takes one, so
// an Api may be used from several threads at once). Every call has a
// deadline; a watch has an idle timeout longer than the server's own
// timeoutSeconds, so a silent, dead connection ends it too.
//
// Error kinds: 409, 410, 429 and 5xx and connection failures are transient;
// 422 (Invalid) is invalid-spec; the rest (400, 401, 403, 404, ...) terminal.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/http/client.hpp"
#include "rewind/kube/config.hpp"
#include "rewind/model/codec.hpp"
#include "rewind/model/result.hpp"

namespace rwd::kube {

using Json = model::Json;

// One kind of API object and where it lives.
struct Resource {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string plural;   // "deployments"
  std::string kind;     // "Deployment"
  bool operator==(const Resource&) const = default;
};

inline const Resource kReleases{"rewind.dev", "v1alpha1", "releases", "Release"};
inline const Resource kRollbacks{"rewind.dev", "v1alpha1", "rollbacks", "Rollback"};
inline const Resource kDeployments{"apps", "v1", "deployments", "Deployment"};
inline const Resource kReplicaSets{"apps", "v1", "replicasets", "ReplicaSet"};
inline const Resource kServices{"", "v1", "services", "Service"};
inline const Resource kSecrets{"", "v1", "secrets", "Secret"};
inline const Resource kLeases{"coordination.k8s.io", "v1", "leases", "Lease"};
inline const Resource kEvents{"", "v1", "events", "Event"};

// "apps/v1" or "v1".
std::string api_version(const Resource& r);
// /apis/apps/v1/namespaces/ns/deployments[/name[/sub]]; ns empty: every
// namespace (a collection only). Names are checked to be path-safe.
std::string path_of(const Resource& r, std::string_view ns, std::string_view name = {},
                    std::string_view subresource = {});

enum class PatchType { kMerge, kStrategicMerge };

struct ListResult {
  std::vector<Json> items;
  std::string resource_version;  // of the list: where a watch starts
};

enum class WatchType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchType type = WatchType::kAdded;
  Json object;  // for kBookmark only metadata.resourceVersion is set
};

enum class WatchEnd {
  kClosed,          // the server ended the watch (its timeout): watch again
  kGone,            // 410: the resourceVersion is too old; list again
  kStopped,         // the stop_token was triggered
  kHandlerStopped,  // the handler returned false
};

using ClientFactory = std::function<model::Result<std::unique_ptr<http::Client>>()>;

struct ApiOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};  // per request
  std::size_t page_size = 500;                                  // list's limit
  std::chrono::seconds watch_timeout{std::chrono::minutes(5)};  // server's timeoutSeconds
  std::string field_manager = "rewind";
  std::size_t max_idle_connections = 4;
};

class Api {
 public:
  // `factory` empty: real connections to config.endpoint.
  explicit Api(ClusterConfig config, ApiOptions options = {}, ClientFactory factory = {});
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  model::Result<Json> get(const std::string& path);
  // Every page of a collection (limit/continue), in one consistent snapshot.
  model::Result<ListResult> list(const std::string& path);
  model::Result<Json> create(const std::string& path, const Json& body);
  // PUT: body's metadata.resourceVersion makes it conditional (409 when stale).
  model::Result<Json> replace(const std::string& path, const Json& body);
  model::Result<Json> patch(const std::string& path, const Json& body, PatchType type);
  model::Status remove(const std::string& path);

  // Watches `path` (a collection) from `resource_version`, bookmarks asked
  // for, calling on_event for each event until the server closes the watch,
  // 410, `stop`, or on_event returns false. A broken connection is an error.
  model::Result<WatchEnd> watch(const std::string& path, const std::string& resource_version,
                                const std::function<bool(const WatchEvent&)>& on_event,
                                std::stop_token stop);

  [[nodiscard]] const ClusterConfig& config() const { return config_; }
  // Requests sent so far (watches included), for metrics and benchmarks.
  [[nodiscard]] std::uint64_t requests() const { return requests_.load(); }

 private:
  model::Result<http::ClientResponse> send(const std::string& method, const std::string& target,
                                           std::string body, std::string_view content_type);
  model::Result<std::unique_ptr<http::Client>> take_client();
  void give_back(std::unique_ptr<http::Client> client);
  model::Result<http::Headers> headers(std::string_view content_type) const;

  ClusterConfig config_;
  ApiOptions options_;
  ClientFactory factory_;
  std::mutex mu_;
  std::vector<std::unique_ptr<http::Client>> idle_;
  std::atomic<std::uint64_t> requests_{0};
};

// The error of a non-2xx answer: the Status object's message and reason
// when the body is one, else the HTTP status and the start of the body.
model::Error api_error(const std::string& method, const std::string& target, int status,
                       const std::string& body);

// The JSON of an answer (or of one line of a watch); `what` names the request
// in the error ("GET /apis/..."). Never throws.
model::Result<Json> parse_api_json(std::string_view body, std::string_view what);

// metadata.resourceVersion etc., "" when absent.
std::string meta_string(const Json& object, const char* field);

// "?labelSelector=a%3Db,c%3Dd" for {a: b, c: d}: a list's query.
std::string label_selector_query(const std::map<std::string, std::string>& labels);

}  // namespace rwd::kube
