#pragma once
// Internal: the assembled standalone controller behind `rewind watch`.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "rewind/cli/state_database.hpp"
#include "rewind/model/time.hpp"

#include "router_options.hpp"

namespace rwd::cli {

struct WatchConfig {
  std::filesystem::path dir;  // empty: no directory source (labels only)
  std::filesystem::path state_dir;
  std::optional<std::string> docker;  // nullopt: DOCKER_HOST or the local socket
  // --state postgres://: history and status in a database a fleet shares
  // (the state directory still holds the lock, requests and snapshots).
  std::optional<StateDatabase> state;
  std::string listen = "127.0.0.1:9464";
  std::size_t workers = 2;
  model::Duration resync = std::chrono::seconds(30);
  // --debounce: how long the directory must be quiet before a batch of
  // file changes is read (0: at once); a busy burst is read after 1 s.
  model::Duration debounce = std::chrono::milliseconds(100);
  bool dry_run = false;
  // Releases from `rewind.dev/release` labels on compose containers.
  bool docker_labels = true;
  std::optional<std::string> label_project;  // only this compose project's labels
  NginxOptions nginx{};                      // blue-green's router (--nginx-*)
  // --token-file: enables the mutating HTTP routes (promote, abort, retry)
  // for requests that carry this bearer token; empty: they answer 403.
  std::filesystem::path token_file;
};

// Runs until SIGTERM/SIGINT; returns the exit code. Start-up problems
// (Docker unreachable, state directory unwritable, port in use) are printed
// to err with what to do about them.
int run_watcher(const WatchConfig& config, std::ostream& err);

}  // namespace rwd::cli
