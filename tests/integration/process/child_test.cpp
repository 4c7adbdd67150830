// rwd::process::run with real (tiny) programs: sh, echo, pwd, sleep as the
// child that the deadline kills.

#include "rewind/process/child.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

namespace rwd::process {
namespace {

using std::chrono::milliseconds;

Result run_argv(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                milliseconds timeout = milliseconds(10'000), std::size_t cap = 64 * 1024) {
  Request request;
  request.argv = std::move(argv);
  request.env = std::move(env);
  request.timeout = timeout;
  request.output_cap = cap;
  return run(request);
}

// True when `pid` ends within `limit` (or is gone already): waits on a pidfd.
bool ends_within(pid_t pid, milliseconds limit) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  const bool ended = ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
  ::close(fd);
  return ended;
}

TEST(Child, ExitCodeAndSeparateOutputs) {
  const auto r = run_argv({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.started()) << r.spawn_error;
  EXPECT_EQ(r.end, Result::End::kExited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.outcome(), "exit 3");
  EXPECT_TRUE(run_argv({"true"}).succeeded());
}

TEST(Child, MergedStreamsKeepTheOrderTheyWereWrittenIn) {
  Request request;
  request.argv = {"sh", "-c", "echo one; echo two >&2; echo three"};
  request.streams = Streams::kMerged;
  const auto r = run(request);
  ASSERT_TRUE(r.succeeded()) << r.outcome();
  EXPECT_EQ(r.out, "one\ntwo\nthree\n");
  EXPECT_EQ(r.err, "");
}

TEST(Child, RunsInTheRequestedWorkingDirectory) {
  Request request;
  request.argv = {"pwd"};
  request.cwd = "/usr/share";
  const auto r = run(request);
  ASSERT_TRUE(r.succeeded()) << r.err;
  EXPECT_EQ(r.out, "/usr/share\n");
}

TEST(Child, ArgumentsAreNotInterpretedByAShell) {
  const auto r = run_argv({"echo", "$HOME; rm -rf /", "`id`"});
  ASSERT_TRUE(r.succeeded());
  EXPECT_EQ(r.out, "$HOME; rm -rf / `id`\n");
}

TEST(Child, EnvironmentIsAddedForTheChildOnly) {
  const auto r = run_argv({"sh", "-c", "printf '%s|%s' \"$REWIND_TEST_VAR\" \"$PATH\""},
                          {{"REWIND_TEST_VAR", "s3cret value"}});
  ASSERT_TRUE(r.succeeded()) << r.err;
  EXPECT_TRUE(r.out.starts_with("s3cret value|")) << r.out;
  EXPECT_GT(r.out.size(), std::string("s3cret value|").size());  // PATH inherited
  EXPECT_EQ(std::getenv("REWIND_TEST_VAR"), nullptr);            // NOLINT(concurrency-mt-unsafe)
}

TEST(Child, StdinIsEmpty) {
  const auto r = run_argv({"cat"});
  ASSERT_TRUE(r.succeeded()) << r.outcome();
  EXPECT_EQ(r.out, "");
}

TEST(Child, TimeoutKillsTheChild) {
  const auto r = run_argv({"sleep", "5"}, {}, milliseconds(100));
  ASSERT_TRUE(r.started());
  EXPECT_TRUE(r.timed_out());
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.elapsed, milliseconds(100));
  EXPECT_LT(r.elapsed, milliseconds(3000));
  EXPECT_EQ(r.outcome(), "killed after 100ms (timeout)");
}

TEST(Child, TimeoutKillsGrandchildrenToo) {
  // The shell's child keeps the pipes open; the whole process group goes.
  const auto r = run_argv({"sh", "-c", "sleep 5; echo never"}, {}, milliseconds(100));
  EXPECT_TRUE(r.timed_out());
  EXPECT_LT(r.elapsed, milliseconds(3000));
  EXPECT_EQ(r.out, "");
}

TEST(Child, BackgroundChildrenDoNotOutliveIt) {
  // The background sleep holds stdout open; the run still ends with the
  // shell, and the sleep goes with the process group.
  const auto r = run_argv({"sh", "-c", "sleep 30 & echo $!"});
  ASSERT_TRUE(r.succeeded()) << r.outcome();
  EXPECT_LT(r.elapsed, milliseconds(5000));
  const pid_t background = std::atoi(r.out.c_str());  // NOLINT(cert-err34-c)
  ASSERT_GT(background, 0) << r.out;
  EXPECT_TRUE(ends_within(background, milliseconds(2000))) << "sleep " << background;
}

TEST(Child, ASignalIsReported) {
  const auto r = run_argv({"sh", "-c", "echo bye; kill -TERM $$"});
  ASSERT_TRUE(r.started());
  EXPECT_EQ(r.end, Result::End::kSignaled);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.out, "bye\n");
  EXPECT_EQ(r.outcome(), "killed by signal 15");
}

TEST(Child, HeadIsKeptByDefault) {
  const auto r = run_argv({"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a; echo x >&2"}, {},
                          milliseconds(10'000), 1000);
  ASSERT_TRUE(r.succeeded());
  EXPECT_EQ(r.out, std::string(1000, 'a'));
  EXPECT_TRUE(r.out_truncated);
  EXPECT_EQ(r.err, "x\n");
  EXPECT_FALSE(r.err_truncated);
}

TEST(Child, TailKeepsTheLastBytes) {
  Request request;
  request.argv = {"sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a; echo the-end"};
  request.output_cap = 1000;
  request.keep = Keep::kTail;
  request.streams = Streams::kMerged;
  const auto r = run(request);
  ASSERT_TRUE(r.succeeded()) << r.outcome();
  ASSERT_EQ(r.out.size(), 1000U);
  EXPECT_TRUE(r.out.ends_with("aaathe-end\n"));
  EXPECT_TRUE(r.out_truncated);

  request.argv = {"echo", "short"};
  const auto small = run(request);
  EXPECT_EQ(small.out, "short\n");
  EXPECT_FALSE(small.out_truncated);
}

TEST(Child, MissingProgramIsNotStarted) {
  const auto r = run_argv({"rewind-no-such-program-xyz"});
  EXPECT_FALSE(r.started());
  EXPECT_EQ(r.end, Result::End::kNotStarted);
  EXPECT_NE(r.spawn_error.find("rewind-no-such-program-xyz"), std::string::npos);
  EXPECT_EQ(r.outcome().rfind("not started: rewind-no-such-program-xyz: ", 0), 0U) << r.outcome();

  const auto path = run_argv({"/nonexistent/smoke-test"});
  EXPECT_FALSE(path.started());
  EXPECT_NE(path.spawn_error.find("/nonexistent/smoke-test"), std::string::npos);

  const auto empty = run_argv({});
  EXPECT_FALSE(empty.started());
  EXPECT_FALSE(empty.spawn_error.empty());
}

TEST(Child, RunsFromManyThreadsAtOnce) {
  std::vector<std::string> outs(6);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < outs.size(); ++i) {
    threads.emplace_back([&outs, i] {
      outs[i] = run_argv({"sh", "-c", "echo $N"}, {{"N", std::to_string(i)}}).out;
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < outs.size(); ++i) EXPECT_EQ(outs[i], std::to_string(i) + "\n");
}

TEST(Child, FirstLines) {
  EXPECT_EQ(first_lines("a\n\nb\nc\n", 2), "a; b");
  EXPECT_EQ(first_lines(" \n"), "(no output on stderr)");
  EXPECT_EQ(first_lines(""), "(no output on stderr)");
}

}  // namespace
}  // namespace rwd::process
