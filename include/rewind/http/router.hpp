#pragma once
// Request routing for the controller's HTTP server, without sockets:
// Router::handle(ServerRequest) -> ServerResponse is a pure function of the
// request and the registered handlers, so routing, status codes and the
// token check are unit-tested directly. The session (server.hpp) only
// converts between the wire and these structs.
//
//   Router router(BearerAuth::from_file("/etc/rewind/token").value());
//   router.get("/api/v1/releases/{namespace}/{name}", [&](const ServerRequest& r) {
//     return ServerResponse::json(200, lookup(r.param("namespace"), r.param("name")));
//   });
//   router.add("POST", "/api/v1/releases/{namespace}/{name}/promote", promote,
//              Access::kMutating);   // needs "Authorization: Bearer <token>"
//
// Status codes: 404 for a path no route matches, 405 (with Allow) for a path
// that matches only under other methods, 401/403 for mutating routes (see
// BearerAuth), 500 when a handler throws (the exception text is not sent:
// it may hold details that do not belong to the client). Errors are JSON:
// {"error": "..."}. HEAD is served by GET routes (the server drops the body).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/result.hpp"

namespace rwd::http {

struct ServerRequest {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // as sent: "/api/v1/releases?x=1"
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw, without '?'
  // Header names lower-cased; repeated headers joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  // {name} segments of the matched route pattern, filled by the router.
  std::map<std::string, std::string> params;

  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;  // any case
  [[nodiscard]] std::string param(const std::string& name) const;                // "" when absent
};

// Builds a request from what came off the wire. Fails (invalid-spec, meant
// as 400) for a target that is not origin-form ("/path?query") or has a
// malformed %-escape.
model::Result<ServerRequest> make_request(std::string method, std::string target,
                                          std::vector<std::pair<std::string, std::string>> headers,
                                          std::string body);

struct ServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra: Allow, WWW-Authenticate, ...

  static ServerResponse json(int status, const model::Json& body);
  static ServerResponse text(int status, std::string body,
                             std::string content_type = "text/plain; charset=utf-8");
  // {"error": message}
  static ServerResponse error(int status, std::string_view message);

  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;  // any case
};

using Handler = std::function<ServerResponse(const ServerRequest&)>;

// Compares in time that depends on neither the contents nor the lengths of
// the two strings (both are hashed with SHA-256 first).
bool constant_time_equal(std::string_view a, std::string_view b);

// The bearer-token check in front of mutating routes. Without a token file
// mutating routes are disabled: 403 with a message that says how to enable
// them. With one, a request needs "Authorization: Bearer <token>"; a missing
// or wrong token gets 401 with WWW-Authenticate. The token is compared in
// constant time and never appears in a response or an error message.
class BearerAuth {
 public:
  BearerAuth() = default;  // disabled: no token configured
  explicit BearerAuth(std::string token);

  // Reads the token from a file (`--token-file`): surrounding whitespace and
  // the trailing newline are dropped. Fails when the file is unreadable,
  // larger than 4 KiB, empty, or holds characters a bearer token cannot
  // carry (RFC 6750 token68).
  static model::Result<BearerAuth> from_file(const std::filesystem::path& path);

  [[nodiscard]] bool enabled() const noexcept { return token_.has_value(); }
  // nullopt: allowed. Otherwise the response to send instead.
  [[nodiscard]] std::optional<ServerResponse> check(const ServerRequest& request) const;

 private:
  std::optional<std::string> token_;
};

enum class Access {
  kReadOnly,  // anyone who can reach the listener
  kMutating,  // behind BearerAuth
};

class Router {
 public:
  explicit Router(BearerAuth auth = {});

  // pattern: "/literal/{param}/literal"; a {param} matches one non-empty
  // path segment. When several routes match, the first registered wins.
  void add(std::string method, std::string pattern, Handler handler,
           Access access = Access::kReadOnly);
  void get(std::string pattern, Handler handler) {
    add("GET", std::move(pattern), std::move(handler));
  }

  // handle_request: never throws.
  [[nodiscard]] ServerResponse handle(ServerRequest request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
    Access access = Access::kReadOnly;
  };
  static bool match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>& params);

  BearerAuth auth_;
  std::vector<Route> routes_;
};

}  // namespace rwd::http
