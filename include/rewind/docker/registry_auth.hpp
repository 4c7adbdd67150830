#pragma once
// Image references and registry credentials from the Docker CLI's config file
// (`auths`: base64 "user:password" in `auth`, or an `identitytoken`), encoded
// as the X-Registry-Auth header (base64url JSON). Pure functions; credential
// stores and helpers (credsStore, credHelpers) are not consulted.

#include <optional>
#include <string>
#include <string_view>

#include "rewind/model/result.hpp"

namespace rwd::docker {

struct ImageName {
  std::string registry;    // "registry.local:5000"; empty for the default registry
  std::string repository;  // everything before the tag or digest, registry included
  std::string tag;         // "v1"; empty when absent
  std::string digest;      // "sha256:..."; empty when absent
  // tag, else digest, else "latest": what POST /images/create needs so that
  // it does not pull every tag.
  [[nodiscard]] std::string tag_or_digest() const;
};

ImageName split_image_reference(std::string_view reference);

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string identity_token;
  std::string server_address;
  bool operator==(const RegistryAuth&) const = default;
};

// The credentials for `registry` in the config file's text (an `auths` key
// matches with or without scheme and path: "https://r.example/v1/" is
// "r.example"). nullopt when there are none; an error (naming neither user
// nor secret) when the file or the entry is malformed.
model::Result<std::optional<RegistryAuth>> find_registry_auth(std::string_view config_json,
                                                              std::string_view registry);

// The X-Registry-Auth header value.
std::string registry_auth_header(const RegistryAuth& auth);

}  // namespace rwd::docker
