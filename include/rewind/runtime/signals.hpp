#pragma once
// SIGTERM / SIGINT -> a shutdown callback, safely.
//
// The signal handler does only what is async-signal-safe: it writes the
// signal number into a pipe (the self-pipe trick). A watcher thread reads the
// pipe and calls the callback there, where any code may run. Counting is the
// callback's business: a common choice is "first signal: graceful shutdown,
// second: exit now".

#include <signal.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "rewind/model/result.hpp"

namespace rwd::runtime {

class SignalWatcher {
 public:
  using Callback = std::function<void(int signo)>;

  // Installs handlers for `signals` and starts the watcher thread, which
  // runs `callback` (it must not destroy the watcher itself). Only one
  // watcher may be installed at a time (signal dispositions are
  // process-wide); a second install() fails with a terminal error.
  static model::Result<std::unique_ptr<SignalWatcher>> install(Callback callback,
                                                               std::vector<int> signals = {SIGTERM,
                                                                                           SIGINT});

  // Restores the previous dispositions and stops the thread.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Signals delivered to the callback so far.
  [[nodiscard]] std::size_t received() const noexcept { return received_.load(); }

 private:
  SignalWatcher(Callback callback, std::vector<int> signals, int stop_read, int stop_write);
  void run();

  Callback callback_;
  std::vector<int> signals_;
  std::vector<struct sigaction> previous_;
  int stop_read_ = -1;
  int stop_write_ = -1;
  std::atomic<std::size_t> received_{0};
  std::thread thread_;
};

}  // namespace rwd::runtime
