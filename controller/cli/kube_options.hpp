#pragma once
// Internal: --kubeconfig, --context and --kube for `rewind status`,
// `rewind history` and `rewind rollback`, and the checked connection to the
// API server they lead to.

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "rewind/cli/kube_target.hpp"
#include "rewind/kube/api.hpp"
#include "rewind/model/result.hpp"

namespace rwd::cli {

// Adds --kubeconfig FILE, --context NAME and --kube.
void add_kube_options(boost::program_options::options_description& o);

// Reads them into `target` (nullopt when none was given). False, with a usage
// message on `err`, when one of `conflicting` (options of other sources,
// e.g. "server", "state-dir") was given with them.
bool read_kube_options(const boost::program_options::variables_map& vm, const std::string& command,
                       const std::vector<std::string>& conflicting, std::ostream& err,
                       std::optional<KubeTarget>& target);

// The API server of `target`, checked with one request: the kubeconfig
// resolved, the server reached, rewind.dev/v1alpha1 served with releases and
// rollbacks. The errors say which of these failed ("the rewind CRDs are not
// installed (kubectl apply -f crds/)").
model::Result<std::unique_ptr<kube::Api>> connect_kube(const KubeTarget& target);

// `error` of a request to the API server, said for a person: a connection
// failure as "cannot reach the Kubernetes API server ...".
std::string explain_kube_error(const kube::Api& api, const model::Error& error);

// The namespace a NAME is looked up in: -n when given, else the context's.
std::string kube_namespace(const KubeTarget& target, const kube::Api& api,
                           const std::string& flag_value);

}  // namespace rwd::cli
