// rewind watch --dir DIR: the standalone controller for Docker Compose hosts.
// Wires the directory source, the store, the work queue and workers, the
// Release reconciler over the Docker Engine, the state directory and the
// HTTP server together, and runs until SIGTERM or SIGINT.

#include <filesystem>
#include <iostream>

#include <boost/program_options.hpp>

#include "rewind/cli/logging.hpp"
#include "rewind/history/layout.hpp"
#include "rewind/model/time.hpp"

#include "commands.hpp"
#include "options.hpp"
#include "state_postgres.hpp"
#include "watch_support.hpp"

namespace rwd::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(Usage: rewind watch [--dir DIR] [options]

Runs the controller on a Docker Compose host: watches Release and Rollback
files under DIR (a Git checkout, say), compares them with the containers of
their compose services, and moves the services there: recreate with the new
image and configuration, health gate, automatic rollback to the last healthy
revision when a new one fails, rollback when a file goes back to an earlier
revision, Rollback files executed once. State (history, status) goes to
--state-dir, never into DIR. Stops cleanly on SIGTERM or SIGINT.

The compose service must have been created once (`docker compose up -d`);
rewind then recreates its containers the way compose would, also after
`docker rm -f`. A Release whose file is deleted is forgotten: its containers
are left running as they are.

Compose services whose containers carry the label rewind.dev/release are
Releases too (their desired state is what `docker compose up` created last;
see the README); --no-docker-labels turns that off, --label-project limits it
to one compose project. With labels on, --dir may be left out.

`rewind rollback` hands Rollbacks to the watcher through
<state-dir>/requests/ (read like DIR, but Rollbacks only). Only one watcher
may use a state directory: it holds <state-dir>/watcher.lock while it runs.

With --state postgres://user@db/rewind (password from PGPASSWORD or
~/.pgpass) history, status and incidents go to PostgreSQL, one row set per
--state-host, so a fleet is seen from one place (`rewind status --state ...`).
The tables are created and upgraded by rewind. --state-dir is still needed
locally: the lock file, <state-dir>/requests/ and container snapshots.

HTTP (default 127.0.0.1:9464): /healthz, /readyz, /metrics,
/api/v1/releases[/{namespace}/{name}[/history]], /api/v1/rollbacks; what
`rewind status --server` and `rewind history --server` read.

Logs go to stderr, as text or (--log-format json) one JSON object per line
with time, level, logger and message.

Options)";

}  // namespace

int watch_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description visible(kUsage);
  visible.add_options()("help,h", "show this help")(
      "dir", po::value<std::string>()->value_name("DIR"), "directory of Release/Rollback files")(
      "docker", po::value<std::string>()->value_name("HOST"),
      "Docker Engine, e.g. unix:///var/run/docker.sock or tcp://host:2376 (default: DOCKER_HOST or "
      "the local socket)")(
      "state-dir",
      po::value<std::string>()->default_value(history::kDefaultStateDir)->value_name("DIR"),
      "where history and status are kept")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:9464")->value_name("ADDR"),
      "HTTP address for health, metrics and the read-only API")(
      "workers", po::value<std::size_t>()->default_value(2), "Releases reconciled at once")(
      "resync", po::value<std::string>()->default_value("30s")->value_name("DURATION"),
      "look at every Release again this often (repairs drift)")(
      "debounce", po::value<std::string>()->default_value("100ms")->value_name("DURATION"),
      "read changed files once the directory has been quiet this long (0: at once; a steady "
      "stream of changes is read every second)")("dry-run", "plan and log, change nothing")(
      "no-docker-labels", "do not read Releases from rewind.dev/release container labels")(
      "label-project", po::value<std::string>()->value_name("NAME"),
      "read labels only from the containers of this compose project")(
      "log-format", po::value<std::string>()->default_value("text")->value_name("FORMAT"),
      "text or json")("log-level",
                      po::value<std::string>()->default_value("info")->value_name("LEVEL"),
                      "trace, debug, info, warn, error, critical or off")(
      "token-file", po::value<std::string>()->value_name("FILE"),
      "enable rewind promote/abort/retry through the HTTP API for requests with the bearer "
      "token in FILE (without it those endpoints answer 403)");
  add_state_options(visible);
  add_router_options(visible);
  po::variables_map vm;
  if (!parse_options(args, visible, {}, vm, "watch", err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  WatchConfig config;
  config.docker_labels = vm.count("no-docker-labels") == 0U;
  if (vm.count("label-project") != 0U) {
    if (!config.docker_labels) {
      err << "rewind watch: --label-project and --no-docker-labels contradict each other\n";
      return kExitUsage;
    }
    config.label_project = vm["label-project"].as<std::string>();
  }
  if (vm.count("dir") == 0U && !config.docker_labels) {
    err << "rewind watch: nothing to watch: give --dir DIR, or leave Docker labels on "
           "(see rewind watch --help)\n";
    return kExitUsage;
  }
  if (vm.count("dir") != 0U) {
    config.dir = fs::absolute(vm["dir"].as<std::string>()).lexically_normal();
  }
  config.state_dir = vm["state-dir"].as<std::string>();
  if (!select_state(vm, "watch", err, config.state)) return kExitUsage;
  if (!read_router_options(vm, "watch", err, config.nginx)) return kExitUsage;
  if (vm.count("token-file") != 0U) config.token_file = vm["token-file"].as<std::string>();
  config.listen = vm["listen"].as<std::string>();
  config.workers = std::max<std::size_t>(1, vm["workers"].as<std::size_t>());
  config.dry_run = vm.count("dry-run") != 0U;
  if (vm.count("docker") != 0U) config.docker = vm["docker"].as<std::string>();
  const auto resync = parse_resync(vm, "watch", err);
  if (!resync) return kExitUsage;
  config.resync = *resync;
  const std::string debounce_text = vm["debounce"].as<std::string>();
  const auto debounce = model::parse_duration(debounce_text);
  if (!debounce || debounce->count() < 0 || *debounce > std::chrono::seconds(10)) {
    err << "rewind watch: --debounce \"" << debounce_text
        << "\" is not a duration from 0 to 10s (examples: 0, 50ms, 1s)\n";
    return kExitUsage;
  }
  config.debounce = *debounce;
  std::error_code ec;
  if (!config.dir.empty() && !fs::is_directory(config.dir, ec)) {
    err << "rewind watch: --dir " << config.dir.string() << " is not a directory\n";
    return kExitUsage;
  }
  const auto log = parse_log_options(vm, "watch", err);
  if (!log) return kExitUsage;
  setup_logging(*log);
  return run_watcher(config, err);
}

}  // namespace rwd::cli
