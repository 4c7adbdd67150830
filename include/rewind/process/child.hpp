#pragma once
// Runs a program without a shell and waits for it: argv as given, extra
// environment variables for the child only, a deadline, and its output
// captured up to a cap (the first or the last bytes).
//
// stdin is /dev/null. The child runs in its own process group, which gets
// SIGKILL at the deadline and again as soon as the child itself ends, so
// nothing it started in the background outlives the call. Thread-safe:
// posix_spawn, pipes with O_CLOEXEC, the environment built in the parent.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace rwd::process {

// Which bytes of a stream to keep once it passes Request::output_cap.
enum class Keep {
  kHead,  // the first output_cap bytes (a listing, a report)
  kTail,  // the last output_cap bytes (where an error message usually is)
};

enum class Streams {
  kSeparate,  // stdout into Result::out, stderr into Result::err
  kMerged,    // both into Result::out, interleaved as written; err stays empty
};

struct Request {
  std::vector<std::string> argv;              // argv[0] is looked up on PATH unless it has a '/'
  std::map<std::string, std::string> env;     // set (or overridden) in the child's environment
  std::string cwd;                            // the child's working directory; empty: ours
  std::chrono::milliseconds timeout{60'000};  // then SIGKILL to the child's process group
  std::size_t output_cap = 64 * 1024;         // bytes kept per stream; the rest is read and dropped
  Keep keep = Keep::kHead;
  Streams streams = Streams::kSeparate;
};

struct Result {
  enum class End {
    kNotStarted,  // spawn_error says why
    kExited,      // exit_code is its exit status
    kSignaled,    // signal is the signal that ended it
    kTimedOut,    // killed (with its process group) at the deadline; signal is SIGKILL
  };
  End end = End::kNotStarted;
  std::string spawn_error;  // "<argv[0]>: <reason>" when not started
  int exit_code = -1;       // -1 unless it exited
  int signal = 0;           // the signal that ended it, if any
  std::string out;          // stdout (or both streams when merged), at most output_cap bytes
  std::string err;          // stderr, at most output_cap bytes
  bool out_truncated = false;
  bool err_truncated = false;
  std::chrono::milliseconds elapsed{0};
  std::chrono::milliseconds timeout{0};  // the request's, for outcome()

  [[nodiscard]] bool started() const { return end != End::kNotStarted; }
  [[nodiscard]] bool timed_out() const { return end == End::kTimedOut; }
  [[nodiscard]] bool succeeded() const { return end == End::kExited && exit_code == 0; }
  // "exit 1", "killed by signal 15", "killed after 5000ms (timeout)",
  // "not started: pg_dump: No such file or directory"
  [[nodiscard]] std::string outcome() const;
};

// Blocks until the child ends or is killed at the deadline.
Result run(const Request& request);

// The first `max_lines` non-blank lines of `text` (a child's stderr), joined
// with "; "; "(no output on stderr)" when there are none.
std::string first_lines(const std::string& text, std::size_t max_lines = 5);

}  // namespace rwd::process
