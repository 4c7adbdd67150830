#pragma once
// Runs the rewind command line in-process and keeps what it printed.

#include <sstream>
#include <string>
#include <vector>

#include "rewind/cli/app.hpp"

namespace rwd::testing {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

inline CliRun run_cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = rwd::cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace rwd::testing
