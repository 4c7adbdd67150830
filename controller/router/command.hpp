#pragma once
// Runs a program (no shell) and collects its stdout and stderr, with a
// deadline. posix_spawn, so it is safe in a process with threads.

#include <chrono>
#include <string>
#include <vector>

#include "rewind/model/result.hpp"

namespace rwd::router::detail {

struct CommandOutput {
  int exit_code = -1;  // -1: killed by a signal (or by the deadline)
  std::string output;  // stdout and stderr, interleaved, at most 64 KiB
};

// Fails (terminal) when the program cannot be started; (transient) when it
// runs past `timeout` (it is killed).
model::Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout);

}  // namespace rwd::router::detail
