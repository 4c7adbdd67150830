#include "rewind/postgres/database_url.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

namespace rwd::postgres {
namespace {

constexpr std::string_view kMask = "***";

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool is_uri(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

struct Parts {
  std::string password_raw;
  std::string display;
};

// postgres[ql]://[user[:password]@][host][:port][/db][?params]
Parts parse_uri(std::string_view url) {
  const auto scheme_end = url.find("://") + 3;
  const std::string_view scheme = url.substr(0, scheme_end);
  std::string_view rest = url.substr(scheme_end);
  const std::string_view before_query = rest.substr(0, rest.find('?'));
  const auto at = before_query.rfind('@');
  Parts parts;
  std::string user;
  std::string_view host_and_db = before_query;
  if (at != std::string_view::npos) {
    const std::string_view userinfo = before_query.substr(0, at);
    const auto colon = userinfo.find(':');
    user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) parts.password_raw = userinfo.substr(colon + 1);
    host_and_db = before_query.substr(at + 1);
  }
  parts.display = std::string(scheme) + (user.empty() ? "" : user + "@") + std::string(host_and_db);
  return parts;
}

// host=... port=... password='...' ...
Parts parse_key_values(std::string_view url) {
  static const std::regex kPassword(R"(password\s*=\s*('((\\.|[^'])*)'|(\S+)))", std::regex::icase);
  Parts parts;
  const std::string text(url);
  std::smatch m;
  if (std::regex_search(text, m, kPassword)) {
    parts.password_raw = m[2].matched ? m[2].str() : m[4].str();
  }
  parts.display = redact_credentials(text);
  return parts;
}

std::string trim_trailing(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.pop_back();
  }
  return s;
}

MigrationResult<DatabaseUrl> read_url_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MigrationError::invalid("migration.database.urlFrom.file: cannot read " + path + ": " +
                                   std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string url = trim_trailing(text.str());
  if (url.empty()) {
    return MigrationError::invalid("migration.database.urlFrom.file: " + path + " is empty");
  }
  return DatabaseUrl(std::move(url));
}

}  // namespace

DatabaseUrl::DatabaseUrl(std::string url) : url_(std::move(url)) {
  const Parts parts = is_uri(url_) ? parse_uri(url_) : parse_key_values(url_);
  password_raw_ = parts.password_raw;
  password_ = percent_decode(parts.password_raw);
  display_ = parts.display;
}

DatabaseUrl DatabaseUrl::with_database(const std::string& name) const {
  if (!is_uri(url_)) {
    static const std::regex kDbname(R"((^|\s)dbname\s*=\s*('((\\.|[^'])*)'|\S+))");
    const std::string pair = "dbname='" + name + "'";
    if (std::regex_search(url_, kDbname)) {
      return DatabaseUrl(
          std::regex_replace(url_, kDbname, "$1" + pair, std::regex_constants::format_first_only));
    }
    return DatabaseUrl(url_ + " " + pair);
  }
  // postgres[ql]://[userinfo@]host[:port][/db][?params]
  const std::size_t authority = url_.find("://") + 3;
  const std::size_t query = std::min(url_.find('?', authority), url_.size());
  const std::size_t at = url_.rfind('@', query);
  const std::size_t host = at == std::string::npos || at < authority ? authority : at + 1;
  const std::size_t path = std::min(url_.find('/', host), query);
  return DatabaseUrl(url_.substr(0, path) + "/" + name + url_.substr(query));
}

std::string DatabaseUrl::redact(std::string_view text) const {
  std::string out(text);
  replace_all(out, url_, display_);
  replace_all(out, password_raw_, kMask);
  replace_all(out, password_, kMask);
  return redact_credentials(out);
}

std::string redact_credentials(std::string_view text) {
  static const std::regex kUserInfo(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):[^@\s]*@)");
  static const std::regex kPassword(R"(password\s*=\s*('(\\.|[^'])*'|\S+))", std::regex::icase);
  std::string out = std::regex_replace(std::string(text), kUserInfo, "$1:***@");
  return std::regex_replace(out, kPassword, "password=***");
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

MigrationResult<DatabaseUrl> resolve_database_url(const model::UrlSource& from,
                                                  const EnvLookup& env, const SecretLookup& secrets,
                                                  const std::string& ns) {
  if (from.env) {
    auto value = env(*from.env);
    if (!value || value->empty()) {
      return MigrationError::invalid("migration.database.urlFrom.env: environment variable " +
                                     *from.env + " is not set or empty");
    }
    return DatabaseUrl(std::move(*value));
  }
  if (from.file) return read_url_file(*from.file);
  if (from.secret_key_ref && secrets) {
    auto value = secrets(ns, *from.secret_key_ref);
    if (!value) {
      return MigrationError::make(
          MigrationCode::kConnection, value.error().kind,
          "migration.database.urlFrom.secretKeyRef: " + value.error().message);
    }
    std::string url = std::move(*value);
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r' || url.back() == ' ')) {
      url.pop_back();
    }
    if (url.empty()) {
      return MigrationError::invalid("migration.database.urlFrom.secretKeyRef: key " +
                                     from.secret_key_ref->key + " of Secret " + ns + "/" +
                                     from.secret_key_ref->name + " is empty");
    }
    return DatabaseUrl(std::move(url));
  }
  if (from.secret_key_ref) {
    return MigrationError::invalid(
        "migration.database.urlFrom.secretKeyRef (secret " + from.secret_key_ref->name + ", key " +
        from.secret_key_ref->key +
        ") is only available in Kubernetes mode; on a Docker host use urlFrom.env or "
        "urlFrom.file");
  }
  return MigrationError::invalid(
      "migration.database.urlFrom: none of env, file, secretKeyRef is set");
}

}  // namespace rwd::postgres
