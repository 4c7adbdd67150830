#pragma once
// Where the Kubernetes API server is and how rewind authenticates to it:
// from a kubeconfig file (--kubeconfig, $KUBECONFIG, ~/.kube/config) or from
// inside a pod (the service account's token and CA, KUBERNETES_SERVICE_HOST).
//
// Supported in a kubeconfig: clusters[].cluster.server (https:// or http://),
// certificate-authority / certificate-authority-data, insecure-skip-tls-verify,
// tls-server-name; users[].user.token / tokenFile, client-certificate(-data)
// / client-key(-data); contexts[].context.{cluster,user,namespace};
// current-context. Relative file paths start at the kubeconfig's folder.
// exec and auth-provider plugins are refused with a message saying so.
//
// Secrets (tokens, keys) are kept in memory only; no message, log line or
// describe() ever contains them.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"

namespace rwd::kube {

struct ClusterConfig {
  http::Endpoint endpoint;   // kTls (or kTcp for an http:// server), TLS options filled in
  std::string bearer_token;  // static token; empty when none
  // A token file read again when it changes (a projected service account
  // token is rotated by the kubelet); empty when none. Wins over bearer_token.
  std::filesystem::path token_file;
  std::string ns = "default";  // the context's namespace (or the pod's)
  // For messages: "kubeconfig /root/.kube/config, context admin@test,
  // server https://127.0.0.1:6443" or "in-cluster, server https://10.0.0.1:443".
  std::string source;

  // The Authorization header's value ("Bearer ..."), reading token_file when
  // set; empty when there is no token (client certificates only).
  [[nodiscard]] model::Result<std::string> authorization() const;
};

// Reads a kubeconfig. `context` empty: its current-context. Errors name the
// file and the field ("kubeconfig /x: contexts[0].context.cluster: \"c\" is
// not one of the clusters (a, b)").
model::Result<ClusterConfig> load_kubeconfig(const std::filesystem::path& path,
                                             std::string_view context = {});

// Environment lookup, injectable for tests; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup process_env();

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// In a pod: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the
// token file, ca.crt and namespace of `sa_dir`.
model::Result<ClusterConfig> in_cluster_config(
    const EnvLookup& env = process_env(), const std::filesystem::path& sa_dir = kServiceAccountDir);

// The usual order: `kubeconfig` (the --kubeconfig flag) when given; else the
// first existing file of $KUBECONFIG (colon-separated; files are not merged);
// else in-cluster when KUBERNETES_SERVICE_HOST is set and no `context` was
// asked for (a pod has no contexts); else $HOME/.kube/config. The first of
// these that exists decides: its errors are returned as they are. When none
// exists, the error says which were tried.
model::Result<ClusterConfig> resolve_config(const std::optional<std::filesystem::path>& kubeconfig,
                                            std::string_view context = {},
                                            const EnvLookup& env = process_env());

}  // namespace rwd::kube
