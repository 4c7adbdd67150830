#pragma once
// Internal: runs a command with a deadline and keeps the end of its output.
// Small on purpose; the postgres module has its own for pg_dump and friends
// (controller/postgres/child_process.cpp), tied to libpq's environment.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace rwd::analysis::detail {

struct CommandRun {
  enum class End {
    kExited,      // status is the exit status
    kSignaled,    // status is the signal
    kTimedOut,    // killed (with its process group) at the deadline
    kNotStarted,  // error says why
  };
  End end = End::kNotStarted;
  int status = 0;
  std::string output;  // the last `max_output` bytes of stdout and stderr together, valid UTF-8
  std::string error;
  std::chrono::milliseconds took{0};
};

// argv[0] is looked up in PATH. stdin is /dev/null; the child runs in its
// own process group, which is killed when the command ends or times out, so
// nothing it started outlives the measurement.
CommandRun run_command(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& extra_env,
                       std::chrono::milliseconds timeout, std::size_t max_output);

// Bytes that are not valid UTF-8 (a cut through a sequence, binary output)
// become '?'; control characters other than \n and \t become ' '.
std::string printable_utf8(std::string_view bytes);

}  // namespace rwd::analysis::detail
