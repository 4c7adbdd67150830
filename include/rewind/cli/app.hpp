#pragma once
// The `rewind` command line: one binary, one subcommand per job.

#include <iosfwd>
#include <string>
#include <vector>

namespace rwd::cli {

// Runs the command line; returns the process exit code. Output goes to out,
// errors and diagnostics to err.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run(int argc, char** argv);

}  // namespace rwd::cli
