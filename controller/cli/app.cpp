#include "rewind/cli/app.hpp"

#include <unistd.h>

#include <iostream>

#include "commands.hpp"

namespace rwd::cli {
namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kHelp =
    R"(rewind: declarative releases and rollbacks of image, configuration and schema

Usage: rewind COMMAND [options]

Commands:
  watch --dir DIR    run the controller on a Docker Compose host
  controller         run the controller in Kubernetes mode (Release and
                     Rollback resources, Deployments; in a pod or with a kubeconfig)
  validate PATH...   check Release and Rollback files; list every error
  plan -f FILE       print the plan for a Release without running it
  status [NAME]      show the Releases rewind manages (--state-dir, --server or --kube)
  history NAME       list the revisions of a Release (--state-dir, --server or --kube)
  rollback NAME      roll a Release back now (through the watcher, or here
                     when none runs, or a Rollback resource with --kube);
                     --dry-run shows the plan first
  drill NAME         a rollback drill on a copy of the database: backup,
                     restore, down-migrate, check (spec.migration)
  promote NAME       let a paused canary or blue-green plan go on (running watcher)
  abort NAME         abort the revision a plan moves to (running watcher)
  retry NAME         try a failed or aborted revision again (running watcher)
  version            print the version

Run `rewind COMMAND --help` for the options of a command.
)";

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kHelp;
    return kExitUsage;
  }
  const std::string& command = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    out << kHelp;
    return kExitOk;
  }
  if (command == "version" || command == "--version") {
    out << "rewind " << kVersion << "\n";
    return kExitOk;
  }
  if (command == "validate") return validate_command(rest, out, err);
  if (command == "plan") return plan_command(rest, out, err);
  if (command == "watch") return watch_command(rest, out, err);
  if (command == "controller") return controller_command(rest, out, err);
  if (command == "status") return status_command(rest, out, err);
  if (command == "history") return history_command(rest, out, err);
  if (command == "drill") return drill_command(rest, out, err);
  if (command == "promote") return promote_command(rest, out, err);
  if (command == "abort") return abort_command(rest, out, err);
  if (command == "retry") return retry_command(rest, out, err);
  if (command == "rollback") {
    return rollback_command(rest, out, err, Terminal{std::cin, ::isatty(STDIN_FILENO) == 1});
  }
  err << "rewind: unknown command \"" << command << "\"\n\n" << kHelp;
  return kExitUsage;
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "rewind: internal error: " << e.what() << "\n";
    return 70;  // EX_SOFTWARE
  }
}

}  // namespace rwd::cli
