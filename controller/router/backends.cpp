// The rules every TrafficRouter applies to a Release key and its backends.

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

#include "rewind/router/router.hpp"

namespace rwd::router {
namespace {

using model::Error;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool valid_key_part(std::string_view s) {
  if (s.empty() || s.size() > 253 || !lower_alnum(s.front())) return false;
  for (const char c : s) {
    if (!lower_alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool valid_backend_name(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (const char c : s) {
    if (!lower_alnum(c) && c != '-') return false;
  }
  return true;
}

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  for (const char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10U + static_cast<unsigned>(c - '0');
  }
  return v >= 1 && v <= 65535;
}

// host:port, [v6]:port. Only characters that cannot end or extend an nginx
// directive: the address goes into the configuration verbatim.
bool valid_address(std::string_view a) {
  std::string_view host;
  std::string_view port;
  if (!a.empty() && a.front() == '[') {
    const auto close = a.find(']');
    if (close == std::string_view::npos || close + 1 >= a.size() || a[close + 1] != ':') {
      return false;
    }
    host = a.substr(1, close - 1);
    port = a.substr(close + 2);
    if (host.empty()) return false;
    for (const char c : host) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return false;
    }
  } else {
    const auto colon = a.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
    if (host.empty() || host.size() > 253) return false;
    for (const char c : host) {
      const bool ok = lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
      if (!ok) return false;
    }
  }
  return valid_port(port);
}

}  // namespace

model::Status validate_release_key(const model::ObjectKey& release) {
  if (!valid_key_part(release.ns)) {
    return Error::invalid_spec("Release \"" + release.str() + "\": namespace \"" + release.ns +
                               "\" cannot name a route (allowed: [a-z0-9] first, then " +
                               "[a-z0-9.-], at most 253 characters)");
  }
  if (!valid_key_part(release.name)) {
    return Error::invalid_spec("Release \"" + release.str() + "\": name \"" + release.name +
                               "\" cannot name a route (allowed: [a-z0-9] first, then " +
                               "[a-z0-9.-], at most 253 characters)");
  }
  return {};
}

model::Status validate_backends(const model::ObjectKey& release,
                                const std::vector<Backend>& backends) {
  const std::string who = "Release " + release.str() + ": ";
  if (backends.empty()) return Error::invalid_spec(who + "no backends to route to");
  std::set<std::string> names;
  bool any_traffic = false;
  for (std::size_t i = 0; i < backends.size(); ++i) {
    const Backend& b = backends[i];
    const std::string at = who + "backends[" + std::to_string(i) + "]";
    if (!valid_backend_name(b.name)) {
      return Error::invalid_spec(at + ".name \"" + b.name +
                                 "\" is not allowed (allowed: [a-z0-9-], 1 to 63 characters)");
    }
    if (!names.insert(b.name).second) {
      return Error::invalid_spec(at + ".name \"" + b.name + "\" appears twice");
    }
    if (!valid_address(b.address)) {
      return Error::invalid_spec(at + " (" + b.name + ").address \"" + b.address +
                                 "\" is not host:port (host [A-Za-z0-9.-] or [IPv6], port "
                                 "1..65535)");
    }
    if (b.weight < 0 || b.weight > 100) {
      return Error::invalid_spec(at + " (" + b.name + ").weight " + std::to_string(b.weight) +
                                 " is out of range (allowed: 0..100)");
    }
    any_traffic = any_traffic || b.weight > 0;
  }
  if (!any_traffic) {
    return Error::invalid_spec(who + "every backend has weight 0; at least one must take traffic");
  }
  return {};
}

}  // namespace rwd::router
