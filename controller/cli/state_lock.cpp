#include "rewind/cli/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

namespace rwd::cli {
namespace fs = std::filesystem;

namespace {

model::Error lock_error(const std::string& what, const fs::path& path, int err) {
  const std::string message = what + " " + path.string() + ": " + std::strerror(err);
  if (err == EACCES || err == EPERM || err == EROFS) return model::Error::terminal(message);
  return model::Error::transient(message);
}

LockHolder read_holder(int fd) {
  std::array<char, 256> buf{};
  const ssize_t n = ::pread(fd, buf.data(), buf.size() - 1, 0);
  if (n <= 0) return {};
  return parse_lock_holder(std::string_view(buf.data(), static_cast<std::size_t>(n)));
}

}  // namespace

std::string LockHolder::describe() const {
  if (pid <= 0) return "another process";
  return (what.empty() ? std::string("a process") : what) + " (pid " + std::to_string(pid) + ")";
}

LockHolder parse_lock_holder(std::string_view text) {
  LockHolder h;
  const auto space = text.find(' ');
  const std::string_view digits = text.substr(0, space);
  long pid = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return h;
  h.pid = pid;
  if (space != std::string_view::npos) {
    std::string_view what = text.substr(space + 1);
    what = what.substr(0, what.find('\n'));
    h.what = std::string(what);
  }
  return h;
}

model::Result<std::variant<StateLock, LockHolder>> StateLock::try_acquire(const fs::path& state_dir,
                                                                          std::string_view what) {
  const fs::path path = state_dir / kLockFileName;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return lock_error("cannot open the lock file", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      LockHolder holder = read_holder(fd);
      ::close(fd);
      return std::variant<StateLock, LockHolder>(std::move(holder));
    }
    ::close(fd);
    return lock_error("cannot lock", path, err);
  }
  const std::string text = std::to_string(::getpid()) + " " + std::string(what) + "\n";
  // Who holds it is only a courtesy to the next one: a failed write is no reason to stop.
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, text.data(), text.size(), 0);
  return std::variant<StateLock, LockHolder>(StateLock(fd, path));
}

StateLock::StateLock(StateLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the flock
}

}  // namespace rwd::cli
