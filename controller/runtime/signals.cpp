#include "rewind/runtime/signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

namespace rwd::runtime {

namespace {

// The process-wide self-pipe. Created once and never closed, so a handler
// running on another thread while a watcher goes away never writes to a
// closed (or reused) descriptor.
std::atomic<int> g_write_fd{-1};
int g_read_fd = -1;
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free int");

std::mutex g_install_mu;
bool g_installed = false;

void on_signal(int signo) {
  // Async-signal-safe only: errno saved, one write(2) to a non-blocking pipe.
  const int saved_errno = errno;
  const int fd = g_write_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const auto byte = static_cast<unsigned char>(signo);
    const ssize_t n = ::write(fd, &byte, 1);  // a full pipe drops the signal: one is enough
    (void)n;
  }
  errno = saved_errno;
}

std::string errno_message(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

void drain(int fd) {
  unsigned char buf[64];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

model::Result<std::unique_ptr<SignalWatcher>> SignalWatcher::install(Callback callback,
                                                                     std::vector<int> signals) {
  std::lock_guard lock(g_install_mu);
  if (g_installed) return model::Error::terminal("a signal watcher is already installed");
  if (g_read_fd < 0) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      return model::Error::terminal(errno_message("signal pipe"));
    }
    g_read_fd = fds[0];
    g_write_fd.store(fds[1]);
  }
  drain(g_read_fd);  // anything left from an earlier watcher is not ours
  int stop[2];
  if (::pipe2(stop, O_CLOEXEC) != 0) return model::Error::terminal(errno_message("stop pipe"));

  std::unique_ptr<SignalWatcher> watcher(
      new SignalWatcher(std::move(callback), std::move(signals), stop[0], stop[1]));
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigfillset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signo : watcher->signals_) {
    struct sigaction old {};
    if (::sigaction(signo, &action, &old) != 0) {
      return model::Error::terminal(errno_message("sigaction"));  // the destructor restores
    }
    watcher->previous_.push_back(old);
  }
  watcher->thread_ = std::thread([w = watcher.get()] { w->run(); });
  g_installed = true;
  return watcher;
}

SignalWatcher::SignalWatcher(Callback callback, std::vector<int> signals, int stop_read,
                             int stop_write)
    : callback_(std::move(callback)),
      signals_(std::move(signals)),
      stop_read_(stop_read),
      stop_write_(stop_write) {}

SignalWatcher::~SignalWatcher() {
  for (std::size_t i = 0; i < previous_.size(); ++i) {
    ::sigaction(signals_[i], &previous_[i], nullptr);
  }
  if (thread_.joinable()) {
    const unsigned char byte = 0;
    while (::write(stop_write_, &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
    std::lock_guard lock(g_install_mu);
    g_installed = false;
  }
  ::close(stop_read_);
  ::close(stop_write_);
}

void SignalWatcher::run() {
  pollfd fds[2] = {{g_read_fd, POLLIN, 0}, {stop_read_, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;  // a signal landed on this thread
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    unsigned char buf[64];
    const ssize_t n = ::read(g_read_fd, buf, sizeof buf);
    for (ssize_t i = 0; i < n; ++i) {
      received_.fetch_add(1);
      if (callback_) callback_(buf[i]);
    }
  }
}

}  // namespace rwd::runtime
