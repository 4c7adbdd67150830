// Percent-encoding (RFC 3986).

#include "rewind/http/url.hpp"

#include <algorithm>

namespace rwd::http {
namespace {

constexpr const char* kHex = "0123456789ABCDEF";

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string encode(std::string_view text, bool keep_path_chars) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (unreserved(c) || (keep_path_chars && (c == '/' || c == ':' || c == '@'))) {
      out += c;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[u >> 4U];
    out += kHex[u & 0x0FU];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_encode(std::string_view text) { return encode(text, false); }

std::string percent_encode_path(std::string_view text) { return encode(text, true); }

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    out += out.empty() ? '?' : '&';
    out += percent_encode(key);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::optional<UrlCredentials> split_credentials(std::string_view url) {
  UrlCredentials out{std::string(url), std::nullopt};
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return out;
  const auto start = sep + 3;
  const auto end = std::min(url.size(), url.find_first_of("/?#", start));
  const auto at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return out;
  std::string decoded;
  if (!percent_decode(url.substr(start, at), decoded)) return std::nullopt;
  out.userinfo = std::move(decoded);
  out.url = std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
  return out;
}

}  // namespace rwd::http
