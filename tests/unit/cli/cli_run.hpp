#pragma once
// Runs the rewind command line in-process and keeps what it printed.

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

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

// Runs each command twice, with `local` and with `remote` arguments added
// (a state directory, and a server or API server serving the same state),
// and expects both to succeed with the same output; `check` sees the remote
// run's output too.
inline void expect_same_output(const std::vector<std::vector<std::string>>& commands,
                               const std::vector<std::string>& local,
                               const std::vector<std::string>& remote,
                               const std::function<void(const std::string&)>& check = {}) {
  for (const auto& args : commands) {
    auto with_local = args;
    with_local.insert(with_local.end(), local.begin(), local.end());
    auto with_remote = args;
    with_remote.insert(with_remote.end(), remote.begin(), remote.end());
    const CliRun a = run_cli(with_local);
    const CliRun b = run_cli(with_remote);
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(a.out, b.out) << args.front();
    if (check) check(b.out);
  }
}

}  // namespace rwd::testing
