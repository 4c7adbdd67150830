#pragma once
// `rewind rollback`: the parts that decide, apart from the parts that act.
//
// - parse_rollback_options(): the command line, checked (target, components,
//   durations, log options), with the help text.
// - make_rollback_request(): the Rollback resource the flags describe, named
//   "<release>-rollback-<UTC time>", as it goes into <state-dir>/requests/.
// - confirm_emergency(): the "type the release name to confirm" prompt.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rewind/cli/kube_target.hpp"
#include "rewind/cli/logging.hpp"
#include "rewind/cli/nginx_options.hpp"
#include "rewind/cli/state_database.hpp"
#include "rewind/model/rollback.hpp"
#include "rewind/model/time.hpp"

namespace rwd::cli {

// Annotations on the Rollbacks the command makes.
inline constexpr const char* kRequestedByAnnotation = "rewind.dev/requested-by";
inline constexpr const char* kEmergencyAnnotation = "rewind.dev/emergency";
// Where a running watcher picks requests up, below the state directory.
inline constexpr const char* kRequestsDir = "requests";

struct RollbackOptions {
  std::string release;
  std::string ns = "default";
  model::RollbackTarget to;  // previous
  std::vector<model::Component> components = {model::Component::kImage, model::Component::kConfig,
                                              model::Component::kMigration};
  std::string reason;
  bool dry_run = false;
  bool emergency = false;
  bool yes = false;
  bool no_wait = false;
  std::filesystem::path state_dir;
  std::optional<std::string> docker;   // nullopt: DOCKER_HOST or the local socket
  std::optional<StateDatabase> state;  // --state postgres://: history and status there
  NginxOptions nginx{};                // blue-green's router, without a watcher
  model::Duration timeout = std::chrono::minutes(10);
  LogOptions log;
  // --kubeconfig/--context/--kube: a Rollback resource for `rewind
  // controller` instead (no state directory, no Docker).
  std::optional<KubeTarget> kube;
};

// The options, or the exit code when the command is already done: 0 after
// --help (printed to out), 2 after a usage error (printed to err, naming the
// flag, the value and what is allowed).
std::variant<RollbackOptions, int> parse_rollback_options(const std::vector<std::string>& args,
                                                          std::ostream& out, std::ostream& err);

// "api-rollback-20250314t092653z": lower case, as resource names must be.
std::string rollback_request_name(const std::string& release, model::Timestamp now);

// The Rollback the options ask for. `requested_by` (a user name) goes into an
// annotation and, without --reason, into the reason. An emergency rollback
// says so in its reason ("emergency rollback: ...") and an annotation, so the
// incident record shows it.
model::Rollback make_rollback_request(const RollbackOptions& options, model::Timestamp now,
                                      const std::string& requested_by);

// The request file's text: YAML that rewind's own decoder and validation
// read back to the same Rollback.
std::string request_yaml(const model::Rollback& rollback);

enum class Confirmation {
  kConfirmed,   // --yes, or the name was typed
  kDeclined,    // something else was typed (or end of input)
  kNoTerminal,  // nobody to ask and no --yes
};

// For --emergency: asks on `prompt` to type the Release's name and reads a
// line from `in`. `interactive`: stdin is a terminal. With `yes` nothing is
// asked.
Confirmation confirm_emergency(const std::string& release, bool yes, bool interactive,
                               std::istream& in, std::ostream& prompt);

}  // namespace rwd::cli
