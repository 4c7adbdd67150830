// Reading a kubeconfig into a ClusterConfig: clusters, users and contexts
// looked up by name, file paths relative to the kubeconfig's folder, the
// *-data fields decoded from base64. The YAML goes through the guarded
// loader of rewind::model, so every error can name the field and its line.

#include "rewind/kube/config.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rewind/http/base64.hpp"
#include "rewind/model/document.hpp"

#include "config_files.hpp"

namespace rwd::kube {
namespace {

namespace fs = std::filesystem;
using model::Error;
using model::Node;
using model::Result;

// A kubeconfig with many clusters and embedded certificates is still far
// below this.
constexpr std::size_t kMaxKubeconfigBytes = 8 * 1024 * 1024;

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string line_of(const Node& n) {
  return n.mark().line > 0 ? " (line " + std::to_string(n.mark().line) + ")" : "";
}

// One entry of clusters, users or contexts: its name and its body.
struct Named {
  std::string name;
  const Node* body = nullptr;  // never null: a missing body points at kNull
  std::string path;            // "clusters[1].cluster"
};

// Reads one kubeconfig; every error starts with "kubeconfig <file>: ".
class KubeconfigReader {
 public:
  KubeconfigReader(fs::path file, const Node& root)
      : file_(std::move(file)), dir_(file_.parent_path()), root_(root) {}

  [[nodiscard]] Error error(const std::string& what) const {
    return Error::terminal("kubeconfig " + file_.string() + ": " + what);
  }
  [[nodiscard]] Error error(const std::string& path, const Node& at,
                            const std::string& what) const {
    return error(path + ": " + what + line_of(at));
  }

  Result<std::vector<Named>> list(const char* key, const char* body_key) const {
    std::vector<Named> out;
    const Node* seq = root_.find(key);
    if (seq == nullptr || seq->is_null()) return out;
    if (!seq->is_sequence()) {
      return error(key, *seq, "expected a sequence, got a " + seq->kind_name());
    }
    for (std::size_t i = 0; i < seq->items().size(); ++i) {
      const Node& item = seq->items()[i];
      const std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      if (!item.is_mapping()) {
        return error(at, item, "expected a mapping, got a " + item.kind_name());
      }
      auto name = text_field(item, "name", at + ".name");
      if (!name) return name.error();
      if (!name->has_value() || (*name)->empty()) return error(at + ".name", item, "missing");
      const Node* body = item.find(body_key);
      out.push_back({**name, body != nullptr ? body : &null_, at + "." + body_key});
    }
    return out;
  }

  // A string field of a mapping; nullopt when absent, null or "".
  Result<std::optional<std::string>> text_field(const Node& map, std::string_view key,
                                                const std::string& path) const {
    const Node* n = map.find(key);
    if (n == nullptr || n->is_null()) return std::optional<std::string>();
    if (!n->is_scalar()) return error(path, *n, "expected a string, got a " + n->kind_name());
    if (n->text().empty()) return std::optional<std::string>();
    return std::optional<std::string>(n->text());
  }

  Result<bool> bool_field(const Node& map, std::string_view key, const std::string& path) const {
    const Node* n = map.find(key);
    if (n == nullptr || n->is_null()) return false;
    if (n->is_scalar() && n->plain()) {
      std::string t = n->text();
      std::transform(t.begin(), t.end(), t.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (t == "true") return true;
      if (t == "false") return false;
    }
    return error(path, *n, n->describe() + " is not true or false");
  }

  // A file field: the path, relative ones starting at the kubeconfig's
  // folder; the file must be readable.
  Result<std::optional<std::string>> file_field(const Node& map, std::string_view key,
                                                const std::string& path) const {
    auto value = text_field(map, key, path);
    if (!value || !value->has_value()) return value;
    fs::path p(**value);
    if (p.is_relative()) p = dir_ / p;
    if (const auto problem = detail::file_problem(p); !problem.empty()) {
      return error(path, *map.find(key), in_quotes(p.string()) + ": " + problem);
    }
    return std::optional<std::string>(p.string());
  }

  // A *-data field: base64 of PEM text. Never shown in a message.
  Result<std::optional<std::string>> data_field(const Node& map, std::string_view key,
                                                const std::string& path) const {
    auto value = text_field(map, key, path);
    if (!value || !value->has_value()) return value;
    std::string text = **value;
    std::erase_if(text, [](unsigned char c) { return std::isspace(c) != 0; });
    auto decoded = http::base64_decode(text);
    if (!decoded) return error(path, *map.find(key), "not valid base64");
    if (decoded->find("-----BEGIN ") == std::string::npos) {
      return error(path, *map.find(key), "does not hold PEM text (no \"-----BEGIN \" line)");
    }
    return std::optional<std::string>(std::move(*decoded));
  }

  // The file and the data form of one thing; at most one of them.
  Result<std::pair<std::string, std::string>> file_or_data(const Node& map, const std::string& key,
                                                           const std::string& path) const {
    const std::string data_key = key + "-data";
    auto f = file_field(map, key, path + "." + key);
    if (!f) return f.error();
    auto d = data_field(map, data_key, path + "." + data_key);
    if (!d) return d.error();
    if (f->has_value() && d->has_value()) {
      return error(path, map, "both " + key + " and " + data_key + " are set; keep one");
    }
    return std::pair{f->value_or(""), d->value_or("")};
  }

  [[nodiscard]] const Node& root() const { return root_; }

 private:
  fs::path file_;
  fs::path dir_;
  const Node& root_;
  Node null_;
};

// "one of the clusters (a, b)"
std::string one_of(const std::vector<Named>& list, const char* what) {
  std::string names;
  for (const auto& n : list) names += (names.empty() ? "" : ", ") + n.name;
  return std::string("one of the ") + what + " (" + (names.empty() ? "there are none" : names) +
         ")";
}

const Named* find_named(const std::vector<Named>& list, std::string_view name) {
  const auto it =
      std::find_if(list.begin(), list.end(), [&](const Named& n) { return n.name == name; });
  return it == list.end() ? nullptr : &*it;
}

// The body of an entry; an empty one ("user:" with nothing under it) is an
// empty mapping.
Result<const Node*> mapping_body(const KubeconfigReader& r, const Named& entry) {
  static const Node kEmpty = Node::mapping();
  if (entry.body->is_null()) return &kEmpty;
  if (!entry.body->is_mapping()) {
    return r.error(entry.path, *entry.body, "expected a mapping, got a " + entry.body->kind_name());
  }
  return entry.body;
}

// clusters[i].cluster → where to connect and how to check the server.
Result<http::Endpoint> read_cluster(const KubeconfigReader& r, const Named& entry) {
  const auto body = mapping_body(r, entry);
  if (!body) return body.error();
  const Node& c = **body;
  const std::string& at = entry.path;
  if (const Node* n = c.find("proxy-url"); n != nullptr && !n->is_null()) {
    return r.error(at + ".proxy-url", *n, "proxies are not supported");
  }
  auto server = r.text_field(c, "server", at + ".server");
  if (!server) return server.error();
  if (!server->has_value()) return r.error(at + ".server", c, "missing");
  const std::string& url = **server;
  std::string scheme = url.substr(0, url.find("://"));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (url.find("://") == std::string::npos || (scheme != "https" && scheme != "http")) {
    return r.error(at + ".server", *c.find("server"),
                   in_quotes(url) + " is not an https:// or http:// URL");
  }
  auto endpoint = http::parse_endpoint(url);
  if (!endpoint) return r.error(at + ".server", *c.find("server"), endpoint.error().message);
  if (endpoint->transport != http::Transport::kTls) return endpoint;

  auto insecure = r.bool_field(c, "insecure-skip-tls-verify", at + ".insecure-skip-tls-verify");
  if (!insecure) return insecure.error();
  auto ca = r.file_or_data(c, "certificate-authority", at);
  if (!ca) return ca.error();
  auto server_name = r.text_field(c, "tls-server-name", at + ".tls-server-name");
  if (!server_name) return server_name.error();
  if (*insecure && (!ca->first.empty() || !ca->second.empty())) {
    return r.error(at, c,
                   "insecure-skip-tls-verify together with a certificate authority; keep one");
  }
  http::TlsClientOptions& tls = endpoint->tls;
  tls.verify = !*insecure;
  tls.ca_file = std::move(ca->first);
  tls.ca_pem = std::move(ca->second);
  tls.server_name = server_name->value_or("");
  return endpoint;
}

struct UserAuth {
  std::string token;
  std::string token_file;
  std::pair<std::string, std::string> cert;  // file, PEM
  std::pair<std::string, std::string> key;   // file, PEM
};

// users[i].user → the token and the client certificate.
Result<UserAuth> read_user(const KubeconfigReader& r, const Named& entry) {
  const auto body = mapping_body(r, entry);
  if (!body) return body.error();
  const Node& u = **body;
  const std::string& at = entry.path;
  struct Refused {
    const char* key;
    const char* why;
  };
  static constexpr Refused kRefused[] = {
      {"exec", "exec credential plugins are not supported; use a token or client certificate"},
      {"auth-provider",
       "auth-provider plugins are not supported; use a token or client certificate"},
      {"username", "basic authentication is not supported; use a token or client certificate"},
      {"password", "basic authentication is not supported; use a token or client certificate"},
      {"as", "impersonation is not supported"},
      {"as-uid", "impersonation is not supported"},
      {"as-groups", "impersonation is not supported"},
      {"as-user-extra", "impersonation is not supported"},
  };
  for (const auto& refused : kRefused) {
    if (const Node* n = u.find(refused.key); n != nullptr && !n->is_null()) {
      return r.error(at + "." + refused.key, *n, refused.why);
    }
  }
  UserAuth out;
  auto token = r.text_field(u, "token", at + ".token");
  if (!token) return token.error();
  if (token->has_value()) {
    out.token = std::string(detail::trim(**token));
    if (!detail::valid_token(out.token)) {
      return r.error(at + ".token", *u.find("token"),
                     "holds a space or control character (value not shown)");
    }
  }
  auto token_file = r.file_field(u, "tokenFile", at + ".tokenFile");
  if (!token_file) return token_file.error();
  out.token_file = token_file->value_or("");
  auto cert = r.file_or_data(u, "client-certificate", at);
  if (!cert) return cert.error();
  auto key = r.file_or_data(u, "client-key", at);
  if (!key) return key.error();
  const bool has_cert = !cert->first.empty() || !cert->second.empty();
  const bool has_key = !key->first.empty() || !key->second.empty();
  if (has_cert != has_key) {
    return r.error(at, u,
                   has_cert ? "client-certificate without client-key"
                            : "client-key without client-certificate");
  }
  out.cert = std::move(*cert);
  out.key = std::move(*key);
  return out;
}

Result<const Named*> choose_context(const KubeconfigReader& r, const std::vector<Named>& contexts,
                                    std::string_view wanted) {
  if (!wanted.empty()) {
    if (const Named* c = find_named(contexts, wanted)) return c;
    return r.error("context " + in_quotes(wanted) + " is not " + one_of(contexts, "contexts"));
  }
  auto current = r.text_field(r.root(), "current-context", "current-context");
  if (!current) return current.error();
  if (!current->has_value()) {
    return r.error("current-context is not set; choose " + one_of(contexts, "contexts"));
  }
  if (const Named* c = find_named(contexts, **current)) return c;
  return r.error("current-context", *r.root().find("current-context"),
                 in_quotes(**current) + " is not " + one_of(contexts, "contexts"));
}

Result<ClusterConfig> read_kubeconfig(const KubeconfigReader& r, const fs::path& path,
                                      std::string_view wanted) {
  auto clusters = r.list("clusters", "cluster");
  if (!clusters) return clusters.error();
  auto users = r.list("users", "user");
  if (!users) return users.error();
  auto contexts = r.list("contexts", "context");
  if (!contexts) return contexts.error();
  auto context = choose_context(r, *contexts, wanted);
  if (!context) return context.error();
  const Named& ctx = **context;
  const auto ctx_body = mapping_body(r, ctx);
  if (!ctx_body) return ctx_body.error();
  const Node& c = **ctx_body;

  auto cluster_name = r.text_field(c, "cluster", ctx.path + ".cluster");
  if (!cluster_name) return cluster_name.error();
  if (!cluster_name->has_value()) return r.error(ctx.path + ".cluster", c, "missing");
  const Named* cluster = find_named(*clusters, **cluster_name);
  if (cluster == nullptr) {
    return r.error(ctx.path + ".cluster", *c.find("cluster"),
                   in_quotes(**cluster_name) + " is not " + one_of(*clusters, "clusters"));
  }
  auto endpoint = read_cluster(r, *cluster);
  if (!endpoint) return endpoint.error();

  ClusterConfig out;
  auto user_name = r.text_field(c, "user", ctx.path + ".user");
  if (!user_name) return user_name.error();
  if (user_name->has_value()) {
    const Named* user = find_named(*users, **user_name);
    if (user == nullptr) {
      return r.error(ctx.path + ".user", *c.find("user"),
                     in_quotes(**user_name) + " is not " + one_of(*users, "users"));
    }
    auto auth = read_user(r, *user);
    if (!auth) return auth.error();
    out.bearer_token = std::move(auth->token);
    out.token_file = auth->token_file;
    if (endpoint->transport == http::Transport::kTls) {
      endpoint->tls.cert_file = std::move(auth->cert.first);
      endpoint->tls.cert_pem = std::move(auth->cert.second);
      endpoint->tls.key_file = std::move(auth->key.first);
      endpoint->tls.key_pem = std::move(auth->key.second);
    }
  }
  auto ns = r.text_field(c, "namespace", ctx.path + ".namespace");
  if (!ns) return ns.error();
  if (ns->has_value()) out.ns = **ns;
  out.source = "kubeconfig " + path.string() + ", context " + ctx.name + ", server " +
               detail::server_url(*endpoint);
  out.endpoint = std::move(*endpoint);
  return out;
}

}  // namespace

Result<ClusterConfig> load_kubeconfig(const fs::path& path, std::string_view context) {
  const auto prefix = "kubeconfig " + path.string() + ": ";
  if (const auto problem = detail::file_problem(path); !problem.empty()) {
    return Error::terminal(prefix + problem);
  }
  auto text = detail::read_text_file(path, kMaxKubeconfigBytes);
  if (!text) return Error::terminal(prefix + text.error().message);
  model::Limits limits;
  limits.max_file_bytes = kMaxKubeconfigBytes;
  auto loaded = model::load_yaml(*text, limits);
  if (!loaded.ok()) {
    const auto& e = loaded.errors.front();
    const auto line = e.mark.line > 0 ? " (line " + std::to_string(e.mark.line) + ")" : "";
    return Error::terminal(prefix + "not valid YAML: " + e.message + line);
  }
  if (loaded.documents.empty()) return Error::terminal(prefix + "the file is empty");
  if (loaded.documents.size() > 1) {
    return Error::terminal(prefix + "holds " + std::to_string(loaded.documents.size()) +
                           " YAML documents; a kubeconfig is one");
  }
  const Node& root = loaded.documents.front();
  if (!root.is_mapping()) {
    return Error::terminal(prefix + "expected a mapping at the top, got a " + root.kind_name());
  }
  const KubeconfigReader reader(path, root);
  return read_kubeconfig(reader, path, context);
}

}  // namespace rwd::kube
