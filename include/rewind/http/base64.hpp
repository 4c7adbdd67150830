#pragma once
// Base64 (RFC 4648) for HTTP headers: Authorization: Basic, Docker's
// X-Registry-Auth (the URL-safe alphabet).

#include <optional>
#include <string>
#include <string_view>

namespace rwd::http {

// Padded; url_alphabet: '-' and '_' instead of '+' and '/'.
std::string base64_encode(std::string_view data, bool url_alphabet = false);
// Either alphabet, padding optional; nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

// "Basic <base64 of user:password>".
std::string basic_authorization(std::string_view userinfo);

}  // namespace rwd::http
