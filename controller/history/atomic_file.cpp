// Atomic, durable file replacement: temp file + fsync + rename + fsync(dir).

#include "rewind/history/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <random>
#include <string>
#include <system_error>

namespace rwd::history {

namespace {

namespace fs = std::filesystem;

std::atomic<std::uint64_t> g_sequence{0};

std::string random_token() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    std::uint32_t v = rd();
    for (int j = 0; j < 4; ++j) {
      out += kHex[v & 0xfU];
      v >>= 4U;
    }
  }
  return out;
}

// Distinguishes this process from an earlier one with the same pid (rewind
// is often PID 1 in its container).
const std::string& process_token() {
  static const std::string token = random_token();
  return token;
}

bool is_transient(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EINTR:
    case EAGAIN:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EBUSY:
    case ETIMEDOUT: return true;
    default: return false;
  }
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  // Closes now and reports the error close() gives (NFS reports late write
  // errors there).
  int close_now() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

fs::path directory_of(const fs::path& p) {
  fs::path dir = p.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

// 0 or an errno. Some file systems refuse fsync on a directory (EINVAL):
// there is nothing more to do on those.
int fsync_directory(const fs::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  if (::fsync(fd.get()) != 0 && errno != EINVAL) return errno;
  return 0;
}

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

model::Error write_error(const fs::path& target, const std::string& step, int err) {
  model::Error e = io_error("write", target, err);
  e.message += " (" + step + "); the previous file is unchanged";
  return e;
}

// ".tmp-<pid>-<token>-<seq>": is it safe to delete? The token tells this
// process's own writes in flight from those of an earlier process that had
// the same pid; a forked child shares the token but not the pid.
bool is_stale_temp(std::string_view name) {
  std::string_view rest = name.substr(std::string_view(kTempPrefix).size());
  const auto dash = rest.find('-');
  if (dash == std::string_view::npos) return true;
  const std::string pid_text(rest.substr(0, dash));
  rest.remove_prefix(dash + 1);
  const std::string_view token = rest.substr(0, rest.find('-'));
  long pid = 0;
  try {
    std::size_t used = 0;
    pid = std::stol(pid_text, &used);
    if (used != pid_text.size() || pid <= 0 || pid > 0x7fffffffL) return true;
  } catch (const std::exception&) {
    return true;
  }
  if (pid == static_cast<long>(::getpid())) return token != process_token();
  // Another live process may be writing it.
  return !(::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

model::Error io_error(std::string_view what, const fs::path& path, int err) {
  std::string message(what);
  message += " ";
  message += path.string();
  message += ": ";
  message += errno_text(err);
  return is_transient(err) ? model::Error::transient(std::move(message))
                           : model::Error::terminal(std::move(message));
}

model::Status write_file_atomic(const fs::path& target, std::string_view contents) {
  const fs::path dir = directory_of(target);
  const fs::path tmp = dir / (std::string(kTempPrefix) + std::to_string(::getpid()) + "-" +
                              process_token() + "-" + std::to_string(++g_sequence));
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode));
  if (fd.get() < 0) return write_error(target, "creating a temporary file", errno);

  auto fail = [&](const std::string& step, int err) -> model::Status {
    ::unlink(tmp.c_str());
    return write_error(target, step, err);
  };
  if (const int err = write_all(fd.get(), contents)) return fail("writing", err);
  if (::fsync(fd.get()) != 0) return fail("flushing to disk", errno);
  if (const int err = fd.close_now()) return fail("closing", err);
  if (::rename(tmp.c_str(), target.c_str()) != 0) return fail("renaming into place", errno);
  if (const int err = fsync_directory(dir)) {
    // The new file is in place but may not survive a power loss yet.
    return io_error("flush directory", dir, err);
  }
  return {};
}

model::Result<std::string> read_file(const fs::path& path, std::size_t max_bytes, bool* missing) {
  if (missing != nullptr) *missing = false;
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT && missing != nullptr) *missing = true;
    return io_error("read", path, err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("read", path, errno);
  if (S_ISDIR(st.st_mode)) return io_error("read", path, EISDIR);
  if (!S_ISREG(st.st_mode)) {
    return model::Error::terminal("read " + path.string() + ": not a regular file");
  }
  auto too_large = [&] {
    return model::Error::terminal("read " + path.string() + ": larger than " +
                                  std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_large();
  std::string out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  std::array<char, 65536> buf{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path, errno);
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
    if (out.size() > max_bytes) return too_large();
  }
  return out;
}

model::Status ensure_directory(const fs::path& dir) {
  fs::path current;
  for (const auto& part : dir) {
    current /= part;
    if (part == "/" || part.empty()) continue;
    if (::mkdir(current.c_str(), kDirMode) == 0) {
      if (const int err = fsync_directory(directory_of(current))) {
        return io_error("flush directory", directory_of(current), err);
      }
      continue;
    }
    const int err = errno;
    if (err != EEXIST) return io_error("create directory", current, err);
    struct stat st {};
    if (::stat(current.c_str(), &st) != 0) return io_error("create directory", current, errno);
    if (!S_ISDIR(st.st_mode)) return io_error("create directory", current, ENOTDIR);
  }
  return {};
}

model::Status remove_file(const fs::path& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return io_error("remove", path, errno);
  }
  if (const int err = fsync_directory(directory_of(path))) {
    return io_error("flush directory", directory_of(path), err);
  }
  return {};
}

model::Result<fs::path> move_aside(const fs::path& path, const std::string& stamp) {
  const std::string base = path.string() + ".corrupt-" + stamp;
  for (int i = 1; i <= 100; ++i) {
    const fs::path candidate = i == 1 ? fs::path(base) : fs::path(base + "-" + std::to_string(i));
    // link() never replaces an existing file, unlike rename().
    if (::link(path.c_str(), candidate.c_str()) == 0) {
      if (::unlink(path.c_str()) != 0) return io_error("move aside", path, errno);
    } else if (errno == EEXIST) {
      continue;
    } else if (errno == EPERM || errno == ENOTSUP || errno == EXDEV) {
      // A file system without hard links.
      struct stat st {};
      if (::lstat(candidate.c_str(), &st) == 0) continue;
      if (::rename(path.c_str(), candidate.c_str()) != 0) {
        return io_error("move aside", path, errno);
      }
    } else {
      return io_error("move aside", path, errno);
    }
    if (const int err = fsync_directory(directory_of(path))) {
      return io_error("flush directory", directory_of(path), err);
    }
    return candidate;
  }
  return model::Error::terminal("move aside " + path.string() +
                                ": too many quarantined copies named " + base + "*");
}

std::size_t remove_stale_temp_files(const fs::path& dir, int depth) {
  std::size_t removed = 0;
  bool removed_here = false;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const auto& entry = *it;
    const std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (entry.is_directory(type_ec) && !entry.is_symlink(type_ec)) {
      if (depth > 0) removed += remove_stale_temp_files(entry.path(), depth - 1);
      continue;
    }
    if (name.rfind(kTempPrefix, 0) != 0 || !entry.is_regular_file(type_ec)) continue;
    if (!is_stale_temp(name)) continue;
    if (::unlink(entry.path().c_str()) == 0) {
      ++removed;
      removed_here = true;
    }
  }
  if (removed_here) (void)fsync_directory(dir);
  return removed;
}

bool is_store_private_name(std::string_view filename) {
  return filename.empty() || filename.front() == '.' ||
         filename.find(".corrupt-") != std::string_view::npos;
}

}  // namespace rwd::history
