#pragma once
// <state-dir>/watcher.lock: who acts on a state directory.
//
// `rewind watch` holds it for as long as it runs; `rewind rollback` holds it
// while it runs a rollback itself because no watcher does. It is an
// exclusive flock(2), so the kernel drops it when the holder ends, however it
// ends (kill -9 included): a stale lock file never blocks anyone. The holder
// writes "<pid> <what>" into the file, so the next one can say who it is.

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "rewind/model/result.hpp"

namespace rwd::cli {

inline constexpr const char* kLockFileName = "watcher.lock";

// Who holds the lock, as the holder wrote it. pid 0 when it had not written
// it yet (or wrote something else).
struct LockHolder {
  long pid = 0;
  std::string what;  // "rewind watch", "rewind rollback"
  // "rewind watch (pid 4242)", or "another process" when unknown.
  [[nodiscard]] std::string describe() const;
};

class StateLock {
 public:
  // Takes the lock without waiting and writes `what` and the pid into it.
  // Returns who holds it instead when it is taken; an error when the file
  // cannot be created or locked (naming the path and why).
  static model::Result<std::variant<StateLock, LockHolder>> try_acquire(
      const std::filesystem::path& state_dir, std::string_view what);

  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&& other) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();  // releases the lock

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  StateLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

// Parses what a holder wrote: "<pid> <what>\n".
LockHolder parse_lock_holder(std::string_view text);

}  // namespace rwd::cli
