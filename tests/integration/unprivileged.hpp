#pragma once
// Runs a check as an unprivileged user (uid/gid 65534) when the test runs as
// root, as CI does: root ignores file permissions, so a permission test run
// as root would prove nothing. The body runs in a forked child and reports
// a string through a pipe; a child that cannot drop privileges or dies is
// reported as "child failed ..." so the calling assertion fails.

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace rwd::itest {

inline std::string unprivileged(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    const std::string msg = body();
    const auto n = ::write(fds[1], msg.data(), msg.size());
    ::_exit(n < 0 ? 4 : 0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "child failed with status " + std::to_string(status);
  }
  return out;
}

}  // namespace rwd::itest
