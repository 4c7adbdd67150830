// Parsing of endpoint URLs (unix://, tcp://, http://, https://).

#include "rewind/http/endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace rwd::http {
namespace {

using model::Error;

// The URL as it may appear in a message: without a query, which can hold tokens.
std::string shown(std::string_view url) {
  return std::string(url.substr(0, std::min(url.find('?'), url.find('#'))));
}

Error invalid(std::string_view url, std::string_view what) {
  return Error::invalid_spec("invalid URL \"" + shown(url) + "\": " + std::string(what));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10U + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535U) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool valid_host_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_';
}

struct Authority {
  std::string host;
  std::optional<std::uint16_t> port;
};

model::Result<Authority> parse_authority(std::string_view url, std::string_view auth) {
  if (auth.find('@') != std::string_view::npos) {
    return Error::invalid_spec("invalid URL: credentials in URLs are not supported");
  }
  Authority out;
  std::string_view port_part;
  if (!auth.empty() && auth.front() == '[') {
    const auto close = auth.find(']');
    if (close == std::string_view::npos) return invalid(url, "unterminated '[' in host");
    out.host = std::string(auth.substr(1, close - 1));
    const auto rest = auth.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return invalid(url, "unexpected text after ']'");
      port_part = rest.substr(1);
      if (port_part.empty()) return invalid(url, "empty port");
    }
    if (out.host.empty() ||
        out.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      return invalid(url, "not an IPv6 address in []");
    }
  } else {
    const auto colon = auth.find(':');
    if (colon != std::string_view::npos) {
      if (auth.find(':', colon + 1) != std::string_view::npos) {
        return invalid(url, "an IPv6 address must be written in []");
      }
      port_part = auth.substr(colon + 1);
      if (port_part.empty()) return invalid(url, "empty port");
      auth = auth.substr(0, colon);
    }
    out.host = std::string(auth);
    if (out.host.empty()) return invalid(url, "no host");
    if (!std::all_of(out.host.begin(), out.host.end(), valid_host_char)) {
      return invalid(url, "invalid character in host");
    }
  }
  if (!port_part.empty()) {
    out.port = parse_port(port_part);
    if (!out.port) return invalid(url, "port must be a number in 1..65535");
  }
  return out;
}

struct Split {
  std::string scheme;
  std::string_view authority;
  std::string_view rest;  // from the first '/', '?' or '#' after the authority
};

model::Result<Split> split(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return invalid(url, "no scheme (like tcp://)");
  Split s;
  s.scheme = lower(url.substr(0, sep));
  const auto after = url.substr(sep + 3);
  const auto end = std::min(after.size(), after.find_first_of("/?#"));
  s.authority = after.substr(0, end);
  s.rest = after.substr(end);
  return s;
}

}  // namespace

std::string Endpoint::str() const {
  if (transport == Transport::kUnix) return "unix://" + socket_path;
  const bool v6 = host.find(':') != std::string::npos;
  const std::string h = v6 ? "[" + host + "]" : host;
  return std::string(transport == Transport::kTls ? "https://" : "tcp://") + h + ":" +
         std::to_string(port);
}

std::string Endpoint::host_header() const {
  if (transport == Transport::kUnix) return "localhost";
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  const bool default_port =
      (transport == Transport::kTcp && port == 80) || (transport == Transport::kTls && port == 443);
  if (!default_port) h += ":" + std::to_string(port);
  return h;
}

namespace {

struct Parsed {
  Endpoint endpoint;
  bool explicit_port = false;
};

model::Result<Parsed> parse_any_endpoint(std::string_view url) {
  const auto s = split(url);
  if (!s) return s.error();
  if (s->scheme == "unix") {
    // unix:///path: everything after "unix://" is the path.
    const auto path = url.substr(url.find("://") + 3);
    if (path.empty()) return invalid(url, "no socket path");
    Endpoint ep;
    ep.transport = Transport::kUnix;
    ep.socket_path = std::string(path);
    return Parsed{ep, false};
  }
  if (s->scheme != "tcp" && s->scheme != "http" && s->scheme != "https") {
    return invalid(url, "scheme \"" + s->scheme + "\" is not one of unix, tcp, http, https");
  }
  if (!s->rest.empty() && s->rest != "/") return invalid(url, "an endpoint has no path");
  const auto auth = parse_authority(url, s->authority);
  if (!auth) return auth.error();
  Endpoint ep;
  ep.host = auth->host;
  ep.transport = s->scheme == "https" ? Transport::kTls : Transport::kTcp;
  std::uint16_t def = 80;
  if (s->scheme == "https") def = 443;
  if (s->scheme == "tcp") def = 2375;
  ep.port = auth->port.value_or(def);
  return Parsed{ep, auth->port.has_value()};
}

}  // namespace

model::Result<Endpoint> parse_endpoint(std::string_view url) {
  auto p = parse_any_endpoint(url);
  if (!p) return p.error();
  return std::move(p->endpoint);
}

model::Result<Endpoint> parse_endpoint(std::string_view url, const TlsClientOptions& tls) {
  auto p = parse_any_endpoint(url);
  if (!p) return p.error();
  Endpoint ep = std::move(p->endpoint);
  if (ep.transport == Transport::kUnix) return invalid(url, "TLS over a unix socket");
  if (ep.transport == Transport::kTcp && ep.port == 2375 && !p->explicit_port) {
    ep.port = 2376;  // Docker's TLS port
  }
  ep.transport = Transport::kTls;
  ep.tls = tls;
  return ep;
}

model::Result<Url> parse_url(std::string_view url) {
  const auto s = split(url);
  if (!s) return s.error();
  if (s->scheme != "http" && s->scheme != "https") {
    return invalid(url, "scheme \"" + s->scheme + "\" is not one of http, https");
  }
  const auto auth = parse_authority(url, s->authority);
  if (!auth) return auth.error();
  Url out;
  out.endpoint.transport = s->scheme == "https" ? Transport::kTls : Transport::kTcp;
  out.endpoint.host = auth->host;
  out.endpoint.port = auth->port.value_or(s->scheme == "https" ? 443 : 80);
  std::string_view rest = s->rest.substr(0, s->rest.find('#'));
  out.target = std::string(rest);
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
  for (char c : out.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return invalid(url, "space or control character in the path");
    }
  }
  return out;
}

}  // namespace rwd::http
