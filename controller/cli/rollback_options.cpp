// The command line of `rewind rollback`, its help, and the Rollback request
// it turns into.

#include <algorithm>
#include <ctime>
#include <istream>
#include <ostream>

#include <boost/algorithm/string.hpp>
#include <boost/program_options.hpp>

#include "rewind/cli/rollback.hpp"
#include "rewind/history/layout.hpp"
#include "rewind/model/codec.hpp"

#include "commands.hpp"
#include "kube_options.hpp"
#include "options.hpp"
#include "router_options.hpp"
#include "state_postgres.hpp"

namespace rwd::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = R"(Usage: rewind rollback NAME [options]

Rolls the Release NAME back to an earlier revision -- image, configuration
and schema together -- with the same engine and the same health gate as
`rewind watch`.

  rewind history NAME                      list the revisions first
  rewind rollback NAME --dry-run           show what would happen; changes nothing
  rewind rollback NAME                     back to the previous revision
  rewind rollback NAME --to 3              back to revision 3
  rewind rollback NAME --to lastKnownGood --reason "5xx after v1.2.4"
  rewind rollback NAME --emergency --yes   skip analysis, smoke tests and graceful waits

How it runs (nothing to choose, rewind finds out):
  - A `rewind watch` runs on --state-dir: the Rollback is handed to it as a
    file in <state-dir>/requests/ and this command prints its progress. When
    this command is interrupted or times out, the watcher carries on.
  - No watcher runs: this command runs the rollback itself, from what rewind
    stored about the Release (no Release files needed), and exits when it is
    done. A watcher started later sees the finished Rollback and does not
    run it again.
  - With --kubeconfig FILE, --context NAME or --kube (Kubernetes mode): a
    Rollback resource named NAME-rollback-xxxxx is created in the Release's
    namespace (-n, else the context's) for `rewind controller`, and this
    command prints its steps from its status until it Succeeded or Failed.
    --dry-run prints the resource instead of creating it.
  Either way the Release then stays pinned to the target revision until its
  spec changes: edit or revert the Release file to move on.

--emergency goes straight to the target revision: no analysis window, no
smoke test, no graceful stop. The health gate and a backup the plan needs
are never skipped. It asks you to type the release name to confirm; --yes
answers for you (scripts, no terminal).

Exit status: 0 rolled back (or plan shown, or request accepted with
--no-wait); 1 the rollback failed, was refused, or did not finish within
--timeout; 2 usage error.

Options)";

std::optional<model::RollbackTarget> parse_target(const std::string& text) {
  if (text == "previous") return model::RollbackTarget{model::RollbackTarget::Kind::kPrevious, {}};
  if (text == "lastKnownGood") {
    return model::RollbackTarget{model::RollbackTarget::Kind::kLastKnownGood, {}};
  }
  const bool digits = text.find_first_not_of("0123456789") == std::string::npos;
  if (text.empty() || text.size() > 17 || !digits) {
    return std::nullopt;
  }
  const std::int64_t n = std::stoll(text);
  if (n < 1) return std::nullopt;
  return model::RollbackTarget{model::RollbackTarget::Kind::kRevision, model::RevisionNumber{n}};
}

// "image,config" -> components; the offending word in `bad` otherwise.
std::optional<std::vector<model::Component>> parse_components(const std::string& text,
                                                              std::string& bad) {
  std::vector<std::string> words;
  boost::split(words, text, boost::is_any_of(","));
  std::vector<model::Component> out;
  for (auto& w : words) {
    boost::trim(w);
    const auto c = model::parse_component(w);
    if (!c) {
      bad = w;
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
  }
  return out;
}

po::options_description visible_options() {
  po::options_description o(kUsage);
  o.add_options()("help,h", "show this help")(
      "namespace,n", po::value<std::string>()->default_value("default")->value_name("NS"),
      "namespace of the Release")(
      "to", po::value<std::string>()->default_value("previous")->value_name("TARGET"),
      "previous, lastKnownGood, or a revision number (see `rewind history NAME`)")(
      "components",
      po::value<std::string>()->default_value("image,config,migration")->value_name("LIST"),
      "what to take from the target revision, comma-separated: image, config, migration; "
      "the rest stays as it runs now")("reason", po::value<std::string>()->value_name("TEXT"),
                                       "why; kept in the Rollback and its incident record")(
      "dry-run", "print the plan and change nothing")(
      "emergency", "skip analysis windows, smoke tests and graceful waits (never the health gate)")(
      "yes,y", "do not ask for confirmation (needed for --emergency without a terminal)")(
      "state-dir",
      po::value<std::string>()->default_value(history::kDefaultStateDir)->value_name("DIR"),
      "rewind's state directory, as given to `rewind watch`")(
      "docker", po::value<std::string>()->value_name("HOST"),
      "Docker Engine, e.g. unix:///var/run/docker.sock (default: DOCKER_HOST or the local socket)")(
      "timeout", po::value<std::string>()->default_value("10m")->value_name("DURATION"),
      "give up waiting after this long (a watcher carries on)")(
      "no-wait",
      "with a watcher: return once it has taken the request; with --kube: once the Rollback "
      "is created")("log-format",
                    po::value<std::string>()->default_value("text")->value_name("FORMAT"),
                    "text or json (log lines go to stderr)")(
      "log-level", po::value<std::string>()->default_value("warn")->value_name("LEVEL"),
      "trace, debug, info, warn, error, critical or off");
  add_state_options(o);   // --state postgres://: history and status there; --state-dir still used
  add_router_options(o);  // without a watcher, blue-green switches through these
  add_kube_options(o);    // Kubernetes mode: a Rollback resource for `rewind controller`
  return o;
}

bool usage_error(std::ostream& err, const std::string& message) {
  err << "rewind rollback: " << message << " (see rewind rollback --help)\n";
  return false;
}

// Fills the options that need checking beyond their type; false after
// printing what is wrong.
bool fill_checked(const po::variables_map& vm, RollbackOptions& o, std::ostream& err) {
  const std::string to = vm["to"].as<std::string>();
  const auto target = parse_target(to);
  if (!target) {
    return usage_error(err, "--to \"" + to +
                                "\" is not a rollback target (allowed: previous, lastKnownGood, "
                                "or a revision number >= 1)");
  }
  o.to = *target;
  std::string bad;
  const auto components = parse_components(vm["components"].as<std::string>(), bad);
  if (!components) {
    return usage_error(err, "--components: \"" + bad +
                                "\" is not a component (allowed: image, config, migration)");
  }
  o.components = *components;
  const std::string timeout = vm["timeout"].as<std::string>();
  const auto d = model::parse_duration(timeout);
  if (!d || d->count() <= 0) {
    return usage_error(
        err, "--timeout \"" + timeout + "\" is not a positive duration (examples: 90s, 10m)");
  }
  o.timeout = *d;
  const auto log = parse_log_options(vm, "rollback", err);
  if (!log) return false;
  o.log = *log;
  return true;
}

}  // namespace

std::variant<RollbackOptions, int> parse_rollback_options(const std::vector<std::string>& args,
                                                          std::ostream& out, std::ostream& err) {
  const po::options_description visible = visible_options();
  po::options_description all;
  all.add(visible).add_options()("name", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  if (!parse_options(args, all, pos, vm, "rollback", err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  if (vm.count("name") == 0U) {
    usage_error(err, "NAME (the Release to roll back) is required");
    return kExitUsage;
  }
  RollbackOptions o;
  o.release = vm["name"].as<std::string>();
  o.ns = vm["namespace"].as<std::string>();
  if (vm.count("reason") != 0U) o.reason = vm["reason"].as<std::string>();
  o.dry_run = vm.count("dry-run") != 0U;
  o.emergency = vm.count("emergency") != 0U;
  o.yes = vm.count("yes") != 0U;
  o.no_wait = vm.count("no-wait") != 0U;
  o.state_dir = vm["state-dir"].as<std::string>();
  if (!select_state(vm, "rollback", err, o.state)) return kExitUsage;
  if (!read_router_options(vm, "rollback", err, o.nginx)) return kExitUsage;
  if (vm.count("docker") != 0U) o.docker = vm["docker"].as<std::string>();
  const std::vector<std::string> not_with_kube{"state",          "state-host",         "state-dir",
                                               "docker",         "nginx-upstream-dir", "nginx-conf",
                                               "nginx-pid-file", "nginx-container"};
  if (!read_kube_options(vm, "rollback", not_with_kube, err, o.kube)) return kExitUsage;
  if (!fill_checked(vm, o, err)) return kExitUsage;
  return o;
}

std::string rollback_request_name(const std::string& release, model::Timestamp now) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(now));
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dt%H%M%Sz", &tm);
  return release + "-rollback-" + std::string(buf, n);
}

model::Rollback make_rollback_request(const RollbackOptions& options, model::Timestamp now,
                                      const std::string& requested_by) {
  model::Rollback rb;
  rb.metadata.name = rollback_request_name(options.release, now);
  rb.metadata.ns = options.ns;
  rb.metadata.annotations[kRequestedByAnnotation] = requested_by;
  rb.spec.release_name = options.release;
  rb.spec.to = options.to;
  rb.spec.components = options.components;
  rb.spec.emergency = options.emergency;
  rb.spec.reason = options.reason.empty() ? "requested with `rewind rollback` by " + requested_by
                                          : options.reason;
  if (options.emergency) {
    rb.metadata.annotations[kEmergencyAnnotation] = "true";
    rb.spec.reason = "emergency rollback: " + rb.spec.reason;
  }
  return rb;
}

std::string request_yaml(const model::Rollback& rollback) {
  return model::to_yaml(model::to_json(rollback));
}

Confirmation confirm_emergency(const std::string& release, bool yes, bool interactive,
                               std::istream& in, std::ostream& prompt) {
  if (yes) return Confirmation::kConfirmed;
  if (!interactive) return Confirmation::kNoTerminal;
  prompt << "EMERGENCY rollback of " << release
         << ": no analysis window, no smoke test, no graceful stop (the health gate stays).\n"
         << "Type the release name to confirm: " << std::flush;
  std::string line;
  if (!std::getline(in, line)) return Confirmation::kDeclined;
  boost::trim(line);
  return line == release ? Confirmation::kConfirmed : Confirmation::kDeclined;
}

}  // namespace rwd::cli
