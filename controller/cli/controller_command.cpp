// rewind controller: Kubernetes mode. Release and Rollback resources from the
// API server, Deployments as targets, status in the status subresource,
// leader election on a Lease.

#include <iostream>

#include <boost/program_options.hpp>

#include "rewind/cli/logging.hpp"
#include "rewind/model/time.hpp"

#include "commands.hpp"
#include "kube_controller.hpp"
#include "options.hpp"

namespace rwd::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = R"(Usage: rewind controller [options]

Runs rewind in Kubernetes mode: watches Release and Rollback resources
(rewind.dev/v1alpha1; install the CRDs from crds/) in every namespace, or in
--namespace, and moves each Release's Deployment (spec.target.kubernetes) to
the desired image and configuration: the container's image and env patched,
the revision recorded as pod-template annotations, the rollout followed
through the Deployment's status, a failed rollout rolled back to the last
healthy revision. Status, conditions and the revision history are written to
each Release's status subresource; a Rollback is executed once and pins its
Release until the Release's spec changes. Events record every step.

The API server: --kubeconfig (or $KUBECONFIG, else in-cluster from the
service account when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config),
--context to pick one of its contexts.

Leader election (on by default): only the holder of the Lease
--lease-namespace/--lease-name reconciles; others wait and take over when it
is not renewed for 15 s. The Lease is released on SIGTERM/SIGINT. A leader
that cannot renew within 10 s stops acting and exits (status 1), so its pod
is restarted as a candidate.

HTTP (default 127.0.0.1:9464; in a pod use --listen 0.0.0.0:9464): /healthz,
/readyz (ready once the first list is done), /metrics, the read-only
/api/v1/releases API, and with --token-file the promote/abort/retry routes.

Options)";

}  // namespace

int controller_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description visible(kUsage);
  visible.add_options()("help,h", "show this help")(
      "kubeconfig", po::value<std::string>()->value_name("FILE"),
      "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)")(
      "context", po::value<std::string>()->value_name("NAME"),
      "kubeconfig context (default: its current-context)")(
      "namespace,n", po::value<std::string>()->value_name("NS"),
      "watch only this namespace (default: every namespace)")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:9464")->value_name("ADDR"),
      "HTTP address for health, metrics and the read-only API")(
      "workers", po::value<std::size_t>()->default_value(2), "Releases reconciled at once")(
      "resync", po::value<std::string>()->default_value("30s")->value_name("DURATION"),
      "look at every Release again this often (repairs drift)")("dry-run",
                                                                "plan and log, change nothing")(
      "leader-elect", po::value<bool>()->default_value(true)->value_name("BOOL"),
      "take part in leader election (false: act at once; never run two so)")(
      "lease-namespace", po::value<std::string>()->default_value("rewind-system")->value_name("NS"),
      "namespace of the leader Lease")(
      "lease-name",
      po::value<std::string>()->default_value("rewind-controller")->value_name("NAME"),
      "name of the leader Lease")("identity", po::value<std::string>()->value_name("ID"),
                                  "this controller's name in the Lease (default: hostname_pid)")(
      "token-file", po::value<std::string>()->value_name("FILE"),
      "enable promote/abort/retry through the HTTP API for this bearer token")(
      "log-format", po::value<std::string>()->default_value("text")->value_name("FORMAT"),
      "text or json")("log-level",
                      po::value<std::string>()->default_value("info")->value_name("LEVEL"),
                      "trace, debug, info, warn, error, critical or off");
  po::variables_map vm;
  if (!parse_options(args, visible, {}, vm, "controller", err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  KubeControllerConfig config;
  if (vm.count("kubeconfig") != 0U) config.kubeconfig = vm["kubeconfig"].as<std::string>();
  if (vm.count("context") != 0U) config.context = vm["context"].as<std::string>();
  if (vm.count("namespace") != 0U) config.watch_namespace = vm["namespace"].as<std::string>();
  config.listen = vm["listen"].as<std::string>();
  config.workers = std::max<std::size_t>(1, vm["workers"].as<std::size_t>());
  config.dry_run = vm.count("dry-run") != 0U;
  config.leader_elect = vm["leader-elect"].as<bool>();
  config.lease_namespace = vm["lease-namespace"].as<std::string>();
  config.lease_name = vm["lease-name"].as<std::string>();
  if (vm.count("identity") != 0U) config.identity = vm["identity"].as<std::string>();
  if (vm.count("token-file") != 0U) config.token_file = vm["token-file"].as<std::string>();
  const auto resync = parse_resync(vm, "controller", err);
  if (!resync) return kExitUsage;
  config.resync = *resync;
  const auto log = parse_log_options(vm, "controller", err);
  if (!log) return kExitUsage;
  setup_logging(*log);
  return run_kube_controller(config, err);
}

}  // namespace rwd::cli
