#pragma once
// Internal: the subcommands of `rewind`. Each takes its own arguments (after
// the subcommand name) and returns the exit code.

#include <iosfwd>
#include <string>
#include <vector>

namespace rwd::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // the input is wrong (validation errors)
inline constexpr int kExitUsage = 2;    // the command line is wrong, or a file cannot be read

int validate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int watch_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// Kubernetes mode (controller_command.cpp).
int controller_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int plan_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int drill_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// promote / abort / retry: sent to a running `rewind watch` (person_commands.cpp).
int promote_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int abort_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int retry_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// Where a command may ask a question: `in` is read only when `interactive`
// (stdin is a terminal).
struct Terminal {
  std::istream& in;
  bool interactive = false;
};
int rollback_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     Terminal term);

}  // namespace rwd::cli
