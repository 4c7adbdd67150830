#pragma once
// Percent-encoding for request targets (RFC 3986).

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

}  // namespace rwd::http
