// Bearer-token check for mutating routes: token file, constant-time compare.

#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "rewind/http/router.hpp"

namespace rwd::http {
namespace {

constexpr std::uintmax_t kMaxTokenFileBytes = 4096;

std::array<unsigned char, SHA256_DIGEST_LENGTH> sha256(std::string_view s) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out.data());
  return out;
}

// RFC 6750 b64token / RFC 7235 token68: ALPHA DIGIT - . _ ~ + / then '='.
bool is_token68(std::string_view t) {
  std::size_t i = 0;
  for (; i < t.size(); ++i) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (std::isalnum(c) == 0 && c != '-' && c != '.' && c != '_' && c != '~' && c != '+' &&
        c != '/') {
      break;
    }
  }
  if (i == 0) return false;
  for (; i < t.size(); ++i) {
    if (t[i] != '=') return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

ServerResponse unauthorized(std::string_view message, std::string_view challenge) {
  auto r = ServerResponse::error(401, message);
  r.headers.emplace_back("WWW-Authenticate", std::string(challenge));
  return r;
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  const auto ha = sha256(a);
  const auto hb = sha256(b);
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

BearerAuth::BearerAuth(std::string token) : token_(std::move(token)) {}

model::Result<BearerAuth> BearerAuth::from_file(const std::filesystem::path& path) {
  const std::string where = "token file " + path.string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return model::Error::terminal(where + ": " + ec.message());
  if (size > kMaxTokenFileBytes) {
    return model::Error::terminal(where + ": larger than 4096 bytes; expected a single token");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return model::Error::terminal(where + ": cannot be opened");
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto token = trim(content);
  if (token.empty()) return model::Error::terminal(where + ": is empty");
  // The message never quotes the file's content.
  if (!is_token68(token)) {
    return model::Error::terminal(
        where + ": must hold one token of letters, digits and - . _ ~ + / (then '=' padding)");
  }
  return BearerAuth(std::string(token));
}

std::optional<ServerResponse> BearerAuth::check(const ServerRequest& request) const {
  if (!token_) {
    return ServerResponse::error(
        403,
        "mutating endpoints are disabled: start the controller with --token-file to enable "
        "them");
  }
  const auto header = request.header("authorization");
  if (!header) {
    return unauthorized("missing bearer token (Authorization: Bearer <token>)",
                        "Bearer realm=\"rewind\"");
  }
  const std::string_view value = trim(*header);
  constexpr std::string_view kScheme = "bearer ";
  std::string scheme(value.substr(0, kScheme.size()));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != kScheme) {
    return unauthorized("the Authorization header must use the Bearer scheme",
                        "Bearer realm=\"rewind\"");
  }
  if (!constant_time_equal(trim(value.substr(kScheme.size())), *token_)) {
    return unauthorized("invalid bearer token", "Bearer realm=\"rewind\", error=\"invalid_token\"");
  }
  return std::nullopt;
}

}  // namespace rwd::http
