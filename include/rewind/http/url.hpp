#pragma once
// Percent-encoding for request targets (RFC 3986).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rwd::http {

// Encodes everything except the unreserved characters A-Z a-z 0-9 - . _ ~.
std::string percent_encode(std::string_view text);

// Like percent_encode, but keeps '/', ':' and '@' (for path segments that
// are names such as "registry.local:5000/shop/api:v1").
std::string percent_encode_path(std::string_view text);

// "?a=1&b=x%20y" from {{"a","1"},{"b","x y"}}; "" for no parameters.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

// Decodes %XX sequences; returns false on a malformed sequence.
bool percent_decode(std::string_view text, std::string& out);

// A URL without its user:password@ part, and that part percent-decoded (to
// go into an Authorization: Basic header, never into a log).
//   "https://u:p%40ss@host/x" -> {"https://host/x", "u:p@ss"}
struct UrlCredentials {
  std::string url;
  std::optional<std::string> userinfo;  // nullopt: the URL had none
};
// nullopt when the userinfo holds a malformed %-escape.
std::optional<UrlCredentials> split_credentials(std::string_view url);

}  // namespace rwd::http
