#pragma once
// The controller's HTTP server (Boost.Beast): /healthz, /readyz, /metrics and
// a read-only JSON view of releases and rollbacks. Routing lives in
// router.hpp; this header has the listener and the built-in routes.
//
//   Router router(auth);
//   add_standard_routes(router, {.readiness = ..., .metrics = [&] { return m.render(); },
//                                .resources = provider});
//   Server server(options, std::move(router));
//   if (auto st = server.start(); !st) ...;   // binds; port 0 picks a free one
//   ...
//   server.stop();                            // graceful, bounded by stop_timeout
//
// Protection against clients: at most max_sessions connections are served at
// once (beyond that a connection gets 503 and is closed); a request must
// arrive whole within read_timeout (a slow or silent client is cut off, and
// the same bound applies to an idle keep-alive connection); request headers
// over max_header_bytes get 431, bodies over max_body_bytes get 413, a
// malformed request 400; each of these closes the connection.
//
// Handlers run on the server's threads, concurrently when threads > 1, and
// must be thread-safe; they should not block for long.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/http/router.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::http {

// Where the server listens. host is an IP address (IPv6 without brackets).
struct ListenAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9464;

  // "127.0.0.1:9464", "[::1]:9464"
  [[nodiscard]] std::string str() const;
  bool operator==(const ListenAddress&) const = default;
};

// `--listen`: "host:port" with an IPv4 address, "[v6]:port", or
// "localhost:port" (127.0.0.1). Port 0 asks for an ephemeral port. Host
// names other than localhost are refused: the address is bound, not looked
// up. Errors are invalid-spec and quote the text.
model::Result<ListenAddress> parse_listen_address(std::string_view text);

struct ServerOptions {
  ListenAddress listen;
  std::size_t max_sessions = 64;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{10'000};   // the whole request; also keep-alive idle
  std::chrono::milliseconds write_timeout{10'000};  // the whole response
  std::chrono::milliseconds stop_timeout{5'000};    // how long stop() waits for sessions
  std::size_t threads = 1;
};

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads. Fails (transient) when the
  // address cannot be bound, (terminal) when called twice.
  model::Status start();

  // Stops accepting, closes idle connections, lets responses in flight
  // finish (with Connection: close) and joins the threads; connections still
  // open after stop_timeout are dropped. Returns when all threads are
  // joined. Idempotent.
  void stop();

  // The bound address: after start(), with the actual port when 0 was asked.
  [[nodiscard]] ListenAddress local_address() const;
  [[nodiscard]] std::uint16_t port() const { return local_address().port; }
  // Connections currently being served (not counting rejected ones).
  [[nodiscard]] std::size_t active_sessions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- built-in routes ---------------------------------------------------------

struct Readiness {
  bool ready = true;
  std::string reason;  // why not ready; sent to the client, so no secrets
};
using ReadinessProbe = std::function<Readiness()>;

// The data behind the read-only API: JSON documents as they should be shown
// (apiVersion, kind, metadata, spec, status). The implementation redacts
// what must not leave the process. Called on server threads: thread-safe.
class ResourceProvider {
 public:
  virtual ~ResourceProvider() = default;
  [[nodiscard]] virtual std::vector<model::Json> releases() const = 0;
  [[nodiscard]] virtual std::optional<model::Json> release(const model::ObjectKey& key) const = 0;
  [[nodiscard]] virtual std::vector<model::Json> rollbacks() const = 0;
  [[nodiscard]] virtual std::optional<model::Json> rollback(const model::ObjectKey& key) const = 0;
  // The revision history of a Release: {"revisions": [...]} as the history
  // store keeps it, without what may hold secrets (env file contents);
  // nullopt when the Release has none.
  [[nodiscard]] virtual std::optional<model::Json> history(const model::ObjectKey& key) const = 0;
};

// Holds documents set by the caller, keyed by metadata.namespace (default
// "default") and metadata.name; lists are ordered by that key.
class InMemoryResourceProvider final : public ResourceProvider {
 public:
  void set_releases(const std::vector<model::Json>& docs);
  void set_rollbacks(const std::vector<model::Json>& docs);
  // The history of one Release ({"revisions": [...]}), replacing any before.
  void set_history(const model::ObjectKey& key, model::Json history);

  [[nodiscard]] std::vector<model::Json> releases() const override;
  [[nodiscard]] std::optional<model::Json> release(const model::ObjectKey& key) const override;
  [[nodiscard]] std::vector<model::Json> rollbacks() const override;
  [[nodiscard]] std::optional<model::Json> rollback(const model::ObjectKey& key) const override;
  [[nodiscard]] std::optional<model::Json> history(const model::ObjectKey& key) const override;

 private:
  mutable std::mutex mu_;
  std::map<model::ObjectKey, model::Json> releases_;
  std::map<model::ObjectKey, model::Json> rollbacks_;
  std::map<model::ObjectKey, model::Json> histories_;
};

struct StandardRoutes {
  ReadinessProbe readiness;                           // empty: always ready
  std::function<std::string()> metrics;               // Prometheus text; empty: no /metrics
  std::shared_ptr<const ResourceProvider> resources;  // empty: no /api/v1 routes
};

// Registers, all GET (and HEAD):
//   /healthz                                   200 {"status":"ok"}
//   /readyz                                    200 {"status":"ready"} or 503 {"error": reason}
//   /metrics                                   200 text/plain; version=0.0.4
//   /api/v1/releases                           200 {"apiVersion","kind":"ReleaseList","items"}
//   /api/v1/releases/{namespace}/{name}        200 the document, 404 when absent
//   /api/v1/releases/{namespace}/{name}/history
//                                              200 {"apiVersion","kind":"ReleaseHistory",
//                                              "metadata":{namespace,name},"revisions"},
//                                              404 when the Release has no history
//   /api/v1/rollbacks[/{namespace}/{name}]     likewise for Rollbacks
void add_standard_routes(Router& router, StandardRoutes routes);

}  // namespace rwd::http
