// rewind status [NAME] and rewind history NAME: what `rewind watch` knows,
// read from its state directory or, with --server, from its HTTP API; what
// `rewind controller` knows, with --kubeconfig/--kube, from the Releases'
// status in the Kubernetes API server. Read only.

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "rewind/history/layout.hpp"
#include "rewind/model/codec.hpp"

#include "commands.hpp"
#include "kube_options.hpp"
#include "options.hpp"
#include "state_format.hpp"
#include "state_postgres.hpp"
#include "state_reader.hpp"

namespace rwd::cli {
namespace po = boost::program_options;

namespace {

constexpr int kHostWidth = 20;

constexpr const char* kStatusUsage = R"(Usage: rewind status [NAME] [options]

Shows the Releases rewind manages (nothing is changed). Without NAME: one
line per Release. With NAME: its revisions, conditions and last rollback.
Read from the state directory that `rewind watch` writes, or with --server
from a running watcher's HTTP API (any host that can reach it), or with
--state postgres://... from the database a fleet's watchers share (a HOST
column; with NAME every host that has it, or --state-host's), or with
--kubeconfig FILE / --context NAME / --kube from the Release resources that
`rewind controller` manages (every namespace, or -n's; NAME is looked up in
-n, else the context's namespace):

  rewind status
  rewind status api -n shop --server http://127.0.0.1:9464
  PGPASSWORD=... rewind status --state postgres://rewind@db/rewind
  rewind status --kube -n shop

Exit status: 0 shown, 1 no such Release or unreadable state, 2 usage error or no
state directory there.

Options)";

constexpr const char* kHistoryUsage = R"(Usage: rewind history NAME [options]

Lists the revisions of a Release, oldest first: number, image, config hash,
schema revision, how it ended and when. The numbers are what
`rewind rollback NAME --to N` takes. Read from the state directory that
`rewind watch` writes, or with --server from a running watcher's HTTP API,
or with --kubeconfig/--context/--kube from the Release's status in the
Kubernetes API server (`rewind controller`). Nothing is changed.

Exit status: 0 shown, 1 no such Release or unreadable state, 2 usage error or no
state directory there.

Options)";

void add_common(po::options_description& o) {
  o.add_options()("help,h", "show this help")(
      "namespace,n", po::value<std::string>()->default_value("default")->value_name("NS"),
      "namespace of NAME")(
      "state-dir",
      po::value<std::string>()->default_value(history::kDefaultStateDir)->value_name("DIR"),
      "rewind's state directory")(
      "server", po::value<std::string>()->value_name("URL"),
      "read from a running `rewind watch` instead, e.g. http://127.0.0.1:9464 (its --listen)")(
      "output,o", po::value<std::string>()->default_value("table")->value_name("FORMAT"),
      "table or json");
  add_state_options(o);
  add_kube_options(o);
}

const std::vector<std::string> kNotWithKube{"server", "state", "state-host", "state-dir"};

// The command line shared by status and history: [NAME] and the common
// options. Returns the exit code when the command is already done (help,
// usage error), nullopt to go on.
std::optional<int> parse_state_command(const std::vector<std::string>& args, const char* usage,
                                       const std::string& command, po::variables_map& vm,
                                       std::ostream& out, std::ostream& err) {
  po::options_description visible(usage);
  add_common(visible);
  po::options_description all;
  all.add(visible).add_options()("name", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("name", 1);
  if (!parse_options(args, all, pos, vm, command, err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  const std::string output = vm["output"].as<std::string>();
  if (output != "table" && output != "json") {
    err << "rewind " << command << ": --output \"" << output << "\" is not one of table, json\n";
    return kExitUsage;
  }
  std::optional<StateDatabase> state;
  if (!select_state(vm, command, err, state)) return kExitUsage;
  std::optional<KubeTarget> kube;
  if (!read_kube_options(vm, command, kNotWithKube, err, kube)) return kExitUsage;
  if (command == "history" && vm.count("name") == 0U) {
    err << "rewind history: NAME is required (see rewind history --help)\n";
    return kExitUsage;
  }
  return std::nullopt;
}

// The reader --kube, --server, --state or --state-dir names; prints why not
// and returns null.
std::unique_ptr<StateReader> open_reader(const po::variables_map& vm, const std::string& command,
                                         std::ostream& err) {
  std::optional<StateDatabase> state;
  std::optional<KubeTarget> kube;
  if (!select_state(vm, command, err, state)) return nullptr;
  if (!read_kube_options(vm, command, kNotWithKube, err, kube)) return nullptr;
  auto reader = kube ? open_kube_reader(*kube, vm["namespace"].as<std::string>())
                : vm.count("server") != 0U ? open_server(vm["server"].as<std::string>())
                : state                    ? open_postgres_reader(*state)
                        : open_state_directory(vm["state-dir"].as<std::string>());
  if (!reader) {
    err << "rewind " << command << ": " << reader.error().message << "\n";
    return nullptr;
  }
  return std::move(*reader);
}

// NAME in -n, or (--kube, no -n) in the kubeconfig context's namespace.
model::ObjectKey key_of(const po::variables_map& vm, const StateReader& reader) {
  const auto context_ns = reader.context_namespace();
  const bool use_context = vm["namespace"].defaulted() && context_ns;
  return {use_context ? *context_ns : vm["namespace"].as<std::string>(),
          vm["name"].as<std::string>()};
}

// Reading failed: usage (2) only for a missing state directory.
int open_failed(const po::variables_map& vm) {
  const bool remote = vm.count("server") != 0U || vm.count("state") != 0U ||
                      vm.count("kubeconfig") != 0U || vm.count("context") != 0U ||
                      vm.count("kube") != 0U;
  return remote ? kExitInvalid : kExitUsage;
}

int show_release(StateReader& reader, const model::ObjectKey& key, bool json, std::ostream& out,
                 std::ostream& err, const std::string& host = {}) {
  auto r = host.empty() ? reader.release(key) : reader.release_on(host, key);
  if (!r) {
    err << "rewind status: " << r.error().message << "\n";
    return kExitInvalid;
  }
  if (!*r) {
    err << "rewind status: no Release " << key.str() << " " << reader.where() << "\n";
    return kExitInvalid;
  }
  if (json) {
    out << release_json(**r).dump(2) << "\n";
  } else {
    if (!host.empty()) out << "Host: " << host << "\n";
    print_release_detail(**r, out);
  }
  return kExitOk;
}

int list_releases(StateReader& reader, bool json, std::ostream& out, std::ostream& err) {
  auto list = reader.releases();
  if (!list) {
    err << "rewind status: " << list.error().message << "\n";
    return kExitInvalid;
  }
  for (const auto& e : list->errors) err << "rewind status: " << e << "\n";
  if (json) {
    model::Json items = model::Json::array();
    for (const auto& r : list->releases) items.push_back(release_json(r));
    out << items.dump(2) << "\n";
  } else {
    const bool fleet = !list->hosts.empty();
    if (fleet) out << std::left << std::setw(kHostWidth) << "HOST" << std::right;
    print_release_header(out);
    for (std::size_t i = 0; i < list->releases.size(); ++i) {
      if (fleet) out << std::left << std::setw(kHostWidth) << list->hosts[i] << std::right;
      print_release_line(list->releases[i], out);
    }
  }
  return list->errors.empty() ? kExitOk : kExitInvalid;
}

// With --state postgres://: once per host that has the Release.
int show_on_hosts(StateReader& reader, const model::ObjectKey& key, bool json, std::ostream& out,
                  std::ostream& err) {
  auto hosts = reader.hosts_of(key);
  if (!hosts) {
    err << "rewind status: " << hosts.error().message << "\n";
    return kExitInvalid;
  }
  if (hosts->empty()) return show_release(reader, key, json, out, err);
  int code = kExitOk;
  for (const auto& host : *hosts) {
    code = std::max(code, show_release(reader, key, json, out, err, host));
  }
  return code;
}

}  // namespace

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm;
  if (auto done = parse_state_command(args, kStatusUsage, "status", vm, out, err)) return *done;
  auto reader = open_reader(vm, "status", err);
  if (!reader) return open_failed(vm);
  const bool json = vm["output"].as<std::string>() == "json";
  if (vm.count("name") != 0U) return show_on_hosts(*reader, key_of(vm, *reader), json, out, err);
  return list_releases(*reader, json, out, err);
}

int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm;
  if (auto done = parse_state_command(args, kHistoryUsage, "history", vm, out, err)) return *done;
  auto reader = open_reader(vm, "history", err);
  if (!reader) return open_failed(vm);
  const model::ObjectKey key = key_of(vm, *reader);
  auto h = reader->history(key);
  if (!h) {
    err << "rewind history: " << h.error().message << "\n";
    return kExitInvalid;
  }
  if (h->revisions.empty()) {
    err << "rewind history: no history for Release " << key.str() << " " << reader->where() << "\n";
    return kExitInvalid;
  }
  if (vm["output"].as<std::string>() == "json") {
    out << history_json(*h).dump(2) << "\n";
  } else {
    print_history_table(*h, out);
  }
  return kExitOk;
}

}  // namespace rwd::cli
