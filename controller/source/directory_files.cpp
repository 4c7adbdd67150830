#include "rewind/source/directory_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "rewind/source/inotify.hpp"

namespace rwd::source {
namespace fs = std::filesystem;

namespace {

void walk(const fs::path& root, const std::string& rel, TreeScan& out) {
  out.dirs.push_back(rel);
  std::error_code ec;
  fs::directory_iterator it(rel.empty() ? root : root / rel, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    const std::string child = rel.empty() ? name : rel + "/" + name;
    std::error_code sec;
    const fs::file_status st = it->symlink_status(sec);
    if (sec) continue;
    if (fs::is_directory(st)) {
      walk(root, child, out);
    } else if ((fs::is_regular_file(st) || fs::is_symlink(st)) && is_resource_name(name)) {
      out.files.push_back(child);
    }
  }
}

model::ParseResult read_error(const std::string& label, std::string message) {
  model::ParseResult r;
  r.errors.push_back(model::Diagnostic{label, std::nullopt, {"", std::move(message), {}}});
  return r;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

TreeScan scan_tree(const fs::path& root) {
  TreeScan out;
  walk(root, "", out);
  std::sort(out.files.begin(), out.files.end());
  return out;
}

bool is_within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

FileRead read_resource_file(const fs::path& root, const std::string& rel, const std::string& label,
                            const model::Limits& limits) {
  FileRead out;
  const fs::path path = root / rel;
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) != 0) {
    out.detail = std::strerror(errno);
    return out;  // kMissing
  }
  if (S_ISLNK(lst.st_mode)) {
    out.symlink = true;
    std::error_code ec;
    const fs::path target = fs::canonical(path, ec);
    if (ec) {
      out.detail = "dangling symlink";
      return out;
    }
    if (!is_within(root, target)) {
      out.status = ReadStatus::kOutside;
      out.detail = "symlink to " + target.string() + " leaves the watched directory";
      return out;
    }
  }
  // O_NONBLOCK: a FIFO named *.yaml must not hang the source.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      out.detail = "gone before it could be read";
      return out;
    }
    out.status = ReadStatus::kRead;
    out.result = read_error(label, std::string("cannot open: ") + std::strerror(errno));
    return out;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    out.detail = "not a regular file";
    return out;
  }
  out.status = ReadStatus::kRead;
  const auto max = limits.max_file_bytes;
  if (static_cast<std::uint64_t>(st.st_size) > max) {
    out.result =
        read_error(label, "file is " + std::to_string(st.st_size) +
                              " bytes, more than the limit of " + std::to_string(max) + " bytes");
    return out;
  }
  // Sized by fstat, grown if the file grows while read, never past max + 1.
  std::string text(std::min<std::size_t>(max + 1, static_cast<std::size_t>(st.st_size) + 1), '\0');
  std::size_t got = 0;
  while (true) {
    if (got == text.size()) {
      if (got > max) break;
      text.resize(std::min<std::size_t>(max + 1, text.size() * 2));
    }
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.result = read_error(label, std::string("cannot read: ") + std::strerror(errno));
      return out;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max) {  // grew while we read
    out.result =
        read_error(label, "file is larger than the limit of " + std::to_string(max) + " bytes");
    return out;
  }
  text.resize(got);
  out.result = model::parse_resources(text, label, limits);
  return out;
}

}  // namespace rwd::source
