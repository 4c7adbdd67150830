// Atomic file replacement for the upstream files.

#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <system_error>

namespace rwd::router::detail {
namespace {

namespace fs = std::filesystem;
using model::Error;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

Error io_error(const std::string& what, int err) {
  const bool transient = err == ENOSPC || err == EIO || err == EDQUOT || err == EAGAIN ||
                         err == EMFILE || err == ENFILE || err == ENOMEM || err == EINTR;
  std::string message = what + ": " + errno_text(err);
  return transient ? Error::transient(std::move(message)) : Error::terminal(std::move(message));
}

std::string random_suffix() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 12; ++i) out += kHex[rd() & 0xfU];
  return out;
}

model::Status fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory " + dir.string(), errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory " + dir.string(), err);
  return {};
}

}  // namespace

model::Result<std::optional<std::string>> read_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return io_error("cannot read " + path.string(), errno);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return io_error("cannot read " + path.string(), err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

model::Status write_file_atomically(const fs::path& path, const std::string& content) {
  const fs::path dir = path.parent_path();
  const fs::path tmp = dir / ("." + path.filename().string() + ".tmp-" + random_suffix());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create " + tmp.string(), errno);
  std::size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return io_error("cannot write " + tmp.string(), err);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("cannot fsync " + tmp.string(), err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot close " + tmp.string(), err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot rename " + tmp.string() + " to " + path.string(), err);
  }
  return fsync_dir(dir);
}

model::Status remove_file(const fs::path& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return io_error("cannot remove " + path.string(), errno);
  }
  return fsync_dir(path.parent_path());
}

model::Status check_writable_dir(const fs::path& dir, const std::string& option) {
  if (dir.empty()) return Error::terminal(option + " is empty; it must name a directory");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return Error::terminal(option + " " + dir.string() + " does not exist (" + errno_text(errno) +
                           "); create it and include " + dir.string() +
                           "/*.conf from nginx's http block");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error::terminal(option + " " + dir.string() + " is not a directory");
  }
  // access() answers for the real uid; a probe file is what counts.
  const fs::path probe = dir / (".rewind-probe-" + random_suffix());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error::terminal(option + " " + dir.string() + " is not writable: " + errno_text(errno));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

}  // namespace rwd::router::detail
