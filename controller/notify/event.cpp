// The webhook body of an event, and URLs as logs may show them.

#include <algorithm>

#include "rewind/notify/notifier.hpp"

namespace rwd::notify {

model::Json event_json(const Event& event) {
  model::Json j;
  j["event"] = event.type;
  j["release"] = event.release.str();
  j["from"] = event.from_revision ? model::Json(*event.from_revision) : model::Json(nullptr);
  j["to"] = event.to_revision ? model::Json(*event.to_revision) : model::Json(nullptr);
  j["trigger"] = event.trigger;
  j["message"] = event.message;
  j["at"] = model::format_timestamp(event.at);
  j["seconds"] = event.seconds ? model::Json(*event.seconds) : model::Json(nullptr);
  j["link"] = event.link;
  return j;
}

std::string redact_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return "<redacted>";
  const std::string_view scheme = url.substr(0, sep);
  if (!std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '-' || c == '.';
      })) {
    return "<redacted>";
  }
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  const auto authority_end = std::min(rest.size(), rest.find_first_of("/?"));
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);

  std::string out(scheme);
  out += "://";
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    out += "***@";
    authority.remove_prefix(at + 1);
  }
  out += authority;

  const auto query_at = rest.find('?');
  const std::string_view path = rest.substr(0, query_at);
  if (!path.empty()) {
    // "/first" stays; anything after the first segment becomes "/***".
    const auto second = path.find('/', 1);
    if (second == std::string_view::npos) {
      out += path;
    } else {
      out += path.substr(0, second);
      out += second + 1 < path.size() ? "/***" : "/";
    }
  }
  if (query_at != std::string_view::npos) {
    std::string_view query = rest.substr(query_at + 1);
    out += "?";
    bool first = true;
    while (!query.empty() || first) {
      const auto amp = std::min(query.size(), query.find('&'));
      const std::string_view param = query.substr(0, amp);
      if (!first) out += "&";
      const auto eq = param.find('=');
      if (eq != std::string_view::npos) {
        out += param.substr(0, eq);
        out += "=***";
      } else if (!param.empty()) {
        out += "***";
      }
      first = false;
      if (amp >= query.size()) break;
      query.remove_prefix(amp + 1);
    }
  }
  return out;
}

}  // namespace rwd::notify
