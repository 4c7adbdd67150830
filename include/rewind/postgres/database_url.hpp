#pragma once
// The database URL from `migration.database.urlFrom`. The URL is a secret:
// DatabaseUrl has no stream operator, and every message that could carry it
// (libpq errors, our own) goes through redact() first.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "rewind/model/release.hpp"
#include "rewind/postgres/error.hpp"

namespace rwd::postgres {

class DatabaseUrl {
 public:
  // `url` is a libpq connection string: postgres[ql]://user:pass@host:port/db?...
  // or key=value pairs (host=... password=...).
  explicit DatabaseUrl(std::string url);

  // For libpq only. Never log or format this.
  [[nodiscard]] const std::string& secret() const { return url_; }
  // "postgresql://app@db:5432/app" (no password): safe for logs and errors.
  [[nodiscard]] const std::string& display() const { return display_; }
  // `text` with the URL, the password (plain and percent-encoded) and any
  // other user:password@ or password=... replaced by "***".
  [[nodiscard]] std::string redact(std::string_view text) const;
  // The same server, user and options, database `name` (a plain identifier),
  // in the same form: a URL stays a URL (a migration tool may only take
  // URLs), key=value pairs get dbname=.
  [[nodiscard]] DatabaseUrl with_database(const std::string& name) const;

 private:
  std::string url_;
  std::string password_;  // decoded; empty when the URL has none
  std::string password_raw_;
  std::string display_;
};

// Replaces user:password@ in URLs and password=... in key=value strings.
std::string redact_credentials(std::string_view text);

// Looks up an environment variable; injected so unit tests need no setenv.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// The value of a Secret's key in a namespace (Kubernetes mode); errors say
// which Secret and key, never the value.
using SecretLookup = std::function<model::Result<std::string>(const std::string& ns,
                                                              const model::SecretKeyRef& ref)>;

// Resolves urlFrom: `env` (the variable must be set and non-empty), `file`
// (its contents, trailing whitespace removed), `secretKeyRef` through
// `secrets` in namespace `ns` (refused when `secrets` is empty: a Docker host).
MigrationResult<DatabaseUrl> resolve_database_url(const model::UrlSource& from,
                                                  const EnvLookup& env = process_env(),
                                                  const SecretLookup& secrets = {},
                                                  const std::string& ns = {});

}  // namespace rwd::postgres
