// The Authorization header, the in-cluster configuration and the search for
// a configuration (--kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config).

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "rewind/kube/config.hpp"

#include "config_files.hpp"

namespace rwd::kube {
namespace {

namespace fs = std::filesystem;
using model::Error;
using model::Result;

constexpr std::size_t kMaxTokenBytes = 64 * 1024;

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::vector<std::string> split_list(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (true) {
    const auto pos = text.find(sep);
    if (!text.substr(0, pos).empty()) out.emplace_back(text.substr(0, pos));
    if (pos == std::string_view::npos) break;
    text.remove_prefix(pos + 1);
  }
  return out;
}

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(sep)) + item;
  return out;
}

}  // namespace

Result<std::string> ClusterConfig::authorization() const {
  if (token_file.empty()) {
    return bearer_token.empty() ? std::string() : "Bearer " + bearer_token;
  }
  // Read on every call: the kubelet rotates a projected token in place.
  auto text = detail::read_text_file(token_file, kMaxTokenBytes);
  if (!text) return Error::transient("token file: " + text.error().message);
  const auto token = detail::trim(*text);
  if (token.empty()) {
    return Error::transient("token file " + in_quotes(token_file.string()) + " is empty");
  }
  if (!detail::valid_token(token)) {
    return Error::transient("token file " + in_quotes(token_file.string()) +
                            ": the token holds a space or control character");
  }
  return "Bearer " + std::string(token);
}

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<ClusterConfig> in_cluster_config(const EnvLookup& env, const fs::path& sa_dir) {
  const std::string prefix = "in-cluster: ";
  const auto host = env("KUBERNETES_SERVICE_HOST");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return Error::terminal(prefix +
                           "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set "
                           "(they are in a pod)");
  }
  // An IPv6 service address comes without brackets.
  const bool v6 = host->find(':') != std::string::npos && host->front() != '[';
  const std::string url = "https://" + (v6 ? "[" + *host + "]" : *host) + ":" + *port;
  auto endpoint = http::parse_endpoint(url);
  if (!endpoint) {
    return Error::terminal(prefix + "KUBERNETES_SERVICE_HOST " + in_quotes(*host) +
                           ", KUBERNETES_SERVICE_PORT " + in_quotes(*port) + ": " +
                           endpoint.error().message);
  }
  const fs::path token = sa_dir / "token";
  const fs::path ca = sa_dir / "ca.crt";
  const fs::path ns_file = sa_dir / "namespace";
  for (const auto& file : {token, ca, ns_file}) {
    if (const auto problem = detail::file_problem(file); !problem.empty()) {
      return Error::terminal(prefix + "service account file " + in_quotes(file.string()) + ": " +
                             problem + " (is a service account token mounted in this pod?)");
    }
  }
  auto ns_text = detail::read_text_file(ns_file, kMaxTokenBytes);
  if (!ns_text) return Error::terminal(prefix + ns_text.error().message);
  const auto ns = detail::trim(*ns_text);
  if (ns.empty()) return Error::terminal(prefix + in_quotes(ns_file.string()) + " is empty");

  ClusterConfig out;
  endpoint->tls.ca_file = ca.string();
  out.endpoint = std::move(*endpoint);
  out.token_file = token;
  out.ns = std::string(ns);
  out.source = "in-cluster, server " + detail::server_url(out.endpoint);
  return out;
}

Result<ClusterConfig> resolve_config(const std::optional<fs::path>& kubeconfig,
                                     std::string_view context, const EnvLookup& env) {
  if (kubeconfig && !kubeconfig->empty()) return load_kubeconfig(*kubeconfig, context);
  std::vector<std::string> tried{"--kubeconfig (not given)"};

  if (const auto list = env("KUBECONFIG"); list && !list->empty()) {
    const auto files = split_list(*list, ':');
    for (const auto& file : files) {
      if (file_exists(file)) return load_kubeconfig(file, context);
    }
    tried.push_back("$KUBECONFIG " + in_quotes(*list) + " (no such file)");
  } else {
    tried.emplace_back("$KUBECONFIG (not set)");
  }

  if (const auto host = env("KUBERNETES_SERVICE_HOST"); !host || host->empty()) {
    tried.emplace_back("in-cluster (KUBERNETES_SERVICE_HOST not set)");
  } else if (!context.empty()) {
    // A pod has no contexts: asking for one means a kubeconfig is wanted.
    tried.push_back("in-cluster (skipped: context " + in_quotes(context) + " was asked for)");
  } else {
    return in_cluster_config(env);
  }

  if (const auto home = env("HOME"); home && !home->empty()) {
    const fs::path file = fs::path(*home) / ".kube" / "config";
    if (file_exists(file)) return load_kubeconfig(file, context);
    tried.push_back(file.string() + " (no such file)");
  } else {
    tried.emplace_back("$HOME/.kube/config ($HOME not set)");
  }
  return Error::terminal("no Kubernetes configuration found; tried " + join(tried, ", "));
}

}  // namespace rwd::kube
