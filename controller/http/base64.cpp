#include "rewind/http/base64.hpp"

namespace rwd::http {
namespace {

constexpr const char* kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string base64_encode(std::string_view data, bool url_alphabet) {
  const char* alphabet = url_alphabet ? kUrl : kStd;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto byte = [&data](std::size_t k) {
      return static_cast<unsigned>(static_cast<unsigned char>(data[k]));
    };
    const unsigned v = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    out += alphabet[(v >> 6U) & 63U];
    out += alphabet[v & 63U];
  }
  const std::size_t left = data.size() - i;
  if (left > 0) {
    unsigned v = static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16U;
    if (left == 2) v |= static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8U;
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    out += left == 2 ? alphabet[(v >> 6U) & 63U] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  return out;
}

std::string basic_authorization(std::string_view userinfo) {
  return "Basic " + base64_encode(userinfo);
}

}  // namespace rwd::http
