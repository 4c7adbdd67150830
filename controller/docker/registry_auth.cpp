// Image references, registry credentials and the X-Registry-Auth header.

#include "rewind/docker/registry_auth.hpp"

#include <array>

#include "rewind/docker/parse.hpp"
#include "rewind/http/base64.hpp"

namespace rwd::docker {
namespace {

// "https://r.example:5000/v1/" -> "r.example:5000"
std::string registry_of_key(std::string_view key) {
  const auto scheme = key.find("://");
  if (scheme != std::string_view::npos) key = key.substr(scheme + 3);
  return std::string(key.substr(0, key.find('/')));
}

}  // namespace

std::string ImageName::tag_or_digest() const {
  if (!tag.empty()) return tag;
  if (!digest.empty()) return digest;
  return "latest";
}

ImageName split_image_reference(std::string_view reference) {
  ImageName out;
  std::string_view rest = reference;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    out.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
  }
  const auto slash = rest.rfind('/');
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    out.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  out.repository = std::string(rest);
  const auto first = rest.find('/');
  if (first != std::string_view::npos) {
    const auto head = rest.substr(0, first);
    if (head.find('.') != std::string_view::npos || head.find(':') != std::string_view::npos ||
        head == "localhost") {
      out.registry = std::string(head);
    }
  }
  return out;
}

model::Result<std::optional<RegistryAuth>> find_registry_auth(std::string_view config_json,
                                                              std::string_view registry) {
  const std::string doc = "docker config";
  auto value = parse_json(config_json, doc);
  if (!value) return value.error();
  if (!value->is_object()) return model::Error::terminal(doc + ": expected an object");
  const auto auths = value->find("auths");
  if (auths == value->end() || auths->is_null()) return std::optional<RegistryAuth>();
  if (!auths->is_object()) return model::Error::terminal(doc + ": auths: expected an object");
  for (const auto& [key, entry] : auths->items()) {
    if (registry_of_key(key) != registry) continue;
    const std::string where = doc + ": auths." + key;
    if (!entry.is_object()) return model::Error::terminal(where + ": expected an object");
    RegistryAuth auth;
    auth.server_address = key;
    const auto token = entry.find("identitytoken");
    if (token != entry.end() && token->is_string() && !token->get<std::string>().empty()) {
      auth.identity_token = token->get<std::string>();
      return std::optional<RegistryAuth>(auth);
    }
    const auto encoded = entry.find("auth");
    if (encoded == entry.end() || !encoded->is_string() || encoded->get<std::string>().empty()) {
      return std::optional<RegistryAuth>();  // an entry without credentials (credsStore)
    }
    const auto decoded = http::base64_decode(encoded->get<std::string>());
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos) {
      return model::Error::terminal(where + ".auth: not base64 of \"user:password\"");
    }
    auth.username = decoded->substr(0, colon);
    auth.password = decoded->substr(colon + 1);
    return std::optional<RegistryAuth>(auth);
  }
  return std::optional<RegistryAuth>();
}

std::string registry_auth_header(const RegistryAuth& auth) {
  nlohmann::json j;
  if (!auth.identity_token.empty()) {
    j["identitytoken"] = auth.identity_token;
  } else {
    j["username"] = auth.username;
    j["password"] = auth.password;
  }
  j["serveraddress"] = auth.server_address;
  return http::base64_encode(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                             true);
}

}  // namespace rwd::docker
