#include "kube_options.hpp"

#include <algorithm>

#include "rewind/kube/config.hpp"

namespace rwd::cli {
namespace po = boost::program_options;

namespace {

const std::string kCrdsMissing = "the rewind CRDs are not installed (kubectl apply -f crds/)";

bool given(const po::variables_map& vm, const std::string& name) {
  return vm.count(name) != 0U && !vm[name].defaulted();
}

// "GET /apis/...: 404 ...": the group (or the resource) is not served.
bool is_not_found(const model::Error& e, const std::string& path) {
  return e.reason == "NotFound" || e.message.rfind("GET " + path + ": 404", 0) == 0;
}

}  // namespace

void add_kube_options(po::options_description& o) {
  o.add_options()("kubeconfig", po::value<std::string>()->value_name("FILE"),
                  "the Kubernetes API server of this kubeconfig: the Releases and Rollbacks of "
                  "`rewind controller`")(
      "context", po::value<std::string>()->value_name("NAME"),
      "the kubeconfig context to use (default: its current-context)")(
      "kube",
      "the Kubernetes API server found the usual way: $KUBECONFIG, in a pod its service "
      "account, else ~/.kube/config");
}

bool read_kube_options(const po::variables_map& vm, const std::string& command,
                       const std::vector<std::string>& conflicting, std::ostream& err,
                       std::optional<KubeTarget>& target) {
  target.reset();
  if (!given(vm, "kubeconfig") && !given(vm, "context") && !given(vm, "kube")) return true;
  for (const auto& other : conflicting) {
    if (given(vm, other)) {
      err << "rewind " << command << ": --" << other
          << " cannot be combined with --kubeconfig, --context or --kube (see rewind " << command
          << " --help)\n";
      return false;
    }
  }
  KubeTarget t;
  if (given(vm, "kubeconfig")) t.kubeconfig = vm["kubeconfig"].as<std::string>();
  if (given(vm, "context")) t.context = vm["context"].as<std::string>();
  t.namespace_given = given(vm, "namespace");
  target = std::move(t);
  return true;
}

std::string explain_kube_error(const kube::Api& api, const model::Error& error) {
  if (error.kind == model::ErrorKind::kTransient && error.reason.empty()) {
    return "cannot reach the Kubernetes API server (" + api.config().source + "): " + error.message;
  }
  return error.message + " (" + api.config().source + ")";
}

model::Result<std::unique_ptr<kube::Api>> connect_kube(const KubeTarget& target) {
  auto config = kube::resolve_config(target.kubeconfig, target.context);
  if (!config) return config.error();
  kube::ApiOptions options;
  options.timeout = std::chrono::seconds(10);
  options.max_idle_connections = 1;
  auto api = std::make_unique<kube::Api>(std::move(*config), options);
  const std::string group = "/apis/" + kube::api_version(kube::kReleases);
  auto served = api->get(group);
  if (!served) {
    if (is_not_found(served.error(), group)) {
      return model::Error::terminal(kCrdsMissing + " in " + api->config().source);
    }
    return model::Error(served.error().kind, explain_kube_error(*api, served.error()),
                        served.error().reason);
  }
  const auto resources = served->value("resources", model::Json::array());
  for (const auto* plural : {"releases", "rollbacks"}) {
    const bool found = std::any_of(resources.begin(), resources.end(), [&](const auto& r) {
      return r.is_object() && r.value("name", "") == plural;
    });
    if (!found) {
      return model::Error::terminal(kCrdsMissing + " in " + api->config().source + ": " + group +
                                    " has no " + plural);
    }
  }
  return api;
}

std::string kube_namespace(const KubeTarget& target, const kube::Api& api,
                           const std::string& flag_value) {
  return target.namespace_given ? flag_value : api.config().ns;
}

}  // namespace rwd::cli
