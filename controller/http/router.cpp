// Routing of method + path to handlers; requests and responses as values.

#include "rewind/http/router.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <utility>

#include "rewind/http/url.hpp"

namespace rwd::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// "/a/b/c" -> {"a","b","c"}; "/" -> {}; "/a/" -> {"a",""}.
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  if (path.size() <= 1) return out;
  std::size_t start = 1;
  while (true) {
    const auto slash = path.find('/', start);
    const auto len = slash == std::string_view::npos ? std::string_view::npos : slash - start;
    out.emplace_back(path.substr(start, len));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string allow_header(std::vector<std::string> methods) {
  if (std::find(methods.begin(), methods.end(), "GET") != methods.end()) {
    methods.emplace_back("HEAD");
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string out;
  for (const auto& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

}  // namespace

// ---- requests and responses -------------------------------------------------

std::optional<std::string> ServerRequest::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::string ServerRequest::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string{} : it->second;
}

model::Result<ServerRequest> make_request(std::string method, std::string target,
                                          std::vector<std::pair<std::string, std::string>> headers,
                                          std::string body) {
  if (target.empty() || target.front() != '/') {
    return model::Error::invalid_spec("request target must start with '/'");
  }
  ServerRequest r;
  const auto q = target.find('?');
  const std::string_view raw_path = std::string_view(target).substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  if (!percent_decode(raw_path, r.path)) {
    return model::Error::invalid_spec("malformed %-escape in the request path");
  }
  // An encoded '/' would change how the path splits into segments, and NUL
  // has no business in a path.
  if (std::count(r.path.begin(), r.path.end(), '/') !=
          std::count(raw_path.begin(), raw_path.end(), '/') ||
      r.path.find('\0') != std::string::npos) {
    return model::Error::invalid_spec("encoded '/' or NUL in the request path");
  }
  for (auto& [name, value] : headers) {
    auto [it, inserted] = r.headers.emplace(lower(name), value);
    if (!inserted) it->second += ", " + value;
  }
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::json(int status, const model::Json& body) {
  ServerResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, model::Json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

ServerResponse ServerResponse::text(int status, std::string body, std::string content_type) {
  ServerResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::error(int status, std::string_view message) {
  model::Json j = model::Json::object();
  j["error"] = std::string(message);
  return json(status, j);
}

std::optional<std::string> ServerResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

// ---- router ----------------------------------------------------------------

Router::Router(BearerAuth auth) : auth_(std::move(auth)) {}

void Router::add(std::string method, std::string pattern, Handler handler, Access access) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler), access});
}

bool Router::match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>& params) {
  if (route.segments.size() != segments.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& want = route.segments[i];
    if (is_param(want)) {
      if (segments[i].empty()) return false;
      found[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

ServerResponse Router::handle(ServerRequest request) const {
  const auto segments = split_path(request.path);
  const std::string_view method =
      request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!match(route, segments, params)) continue;
    if (route.method != method) {
      allowed.push_back(route.method);
      continue;
    }
    if (route.access == Access::kMutating) {
      if (auto denied = auth_.check(request)) return *std::move(denied);
    }
    request.params = std::move(params);
    try {
      return route.handler(request);
    } catch (const std::exception&) {
      return ServerResponse::error(
          500, "internal error while handling " + request.method + " " + request.path);
    } catch (...) {
      return ServerResponse::error(500, "internal error");
    }
  }
  if (!allowed.empty()) {
    auto r = ServerResponse::error(
        405, "method " + request.method + " is not allowed for " + request.path);
    r.headers.emplace_back("Allow", allow_header(std::move(allowed)));
    return r;
  }
  return ServerResponse::error(404, "not found: " + request.path);
}

}  // namespace rwd::http
