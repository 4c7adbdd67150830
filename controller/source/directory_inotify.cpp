#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "rewind/source/inotify.hpp"

namespace rwd::source {

std::uint32_t directory_watch_mask() {
  // IN_MODIFY and IN_ATTRIB only push the debounce out (and re-read after a
  // chmod); IN_CLOSE_WRITE and IN_MOVED_TO are the usual "file is complete".
  // IN_DONT_FOLLOW: directories are watched by their real path; a directory
  // replaced by a symlink between listing and watching is not followed.
  return IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_MOVED_TO | IN_MOVED_FROM |
         IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
}

std::vector<InotifyEvent> parse_inotify_events(const char* data, std::size_t size) {
  std::vector<InotifyEvent> out;
  std::size_t offset = 0;
  while (size - offset >= sizeof(inotify_event)) {
    inotify_event header{};
    std::memcpy(&header, data + offset, sizeof header);
    const std::size_t record = sizeof(inotify_event) + header.len;
    if (size - offset < record) break;
    InotifyEvent e;
    e.wd = header.wd;
    e.mask = header.mask;
    e.cookie = header.cookie;
    if (header.len > 0) {
      const char* name = data + offset + sizeof(inotify_event);
      e.name.assign(name, strnlen(name, header.len));  // NUL-padded
    }
    out.push_back(std::move(e));
    offset += record;
  }
  return out;
}

model::Result<Inotify> Inotify::open() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return model::Error::transient(std::string("inotify_init1: ") + std::strerror(errno));
  }
  return Inotify(fd);
}

Inotify::Inotify(Inotify&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

Inotify& Inotify::operator=(Inotify&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Inotify::~Inotify() {
  if (fd_ >= 0) ::close(fd_);
}

model::Result<int> Inotify::add_watch(const std::string& path, std::uint32_t mask) {
  const int wd = ::inotify_add_watch(fd_, path.c_str(), mask);
  if (wd < 0) {
    const int err = errno;
    std::string message = "watch " + path + ": " + std::strerror(err);
    if (err == ENOSPC) message += " (raise fs.inotify.max_user_watches)";
    // A directory that went away in the meantime is expected; the rest is not.
    return err == ENOENT || err == ENOTDIR ? model::Error::transient(message)
                                           : model::Error::terminal(message);
  }
  return wd;
}

void Inotify::remove_watch(int wd) { (void)::inotify_rm_watch(fd_, wd); }

model::Result<std::vector<InotifyEvent>> Inotify::read_events() {
  std::vector<InotifyEvent> out;
  // Aligned for struct inotify_event; large enough for many events at once.
  alignas(inotify_event) char buf[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return model::Error::transient(std::string("read inotify: ") + std::strerror(errno));
    }
    if (n == 0) break;
    auto events = parse_inotify_events(buf, static_cast<std::size_t>(n));
    out.insert(out.end(), std::make_move_iterator(events.begin()),
               std::make_move_iterator(events.end()));
  }
  return out;
}

const char* to_string(EventEffect effect) {
  switch (effect) {
    case EventEffect::kIgnore: return "ignore";
    case EventEffect::kFile: return "file";
    case EventEffect::kDotEntry: return "dot-entry";
    case EventEffect::kRescan: return "rescan";
    case EventEffect::kOverflow: return "overflow";
    case EventEffect::kRootGone: return "root-gone";
    case EventEffect::kWatchGone: return "watch-gone";
  }
  return "unknown";
}

bool is_resource_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  // Docker Compose files often sit next to the releases; they are not ours.
  if (name.rfind("compose.", 0) == 0 || name.rfind("docker-compose.", 0) == 0) return false;
  auto ends_with = [&](std::string_view suffix) {
    return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  return ends_with(".yaml") || ends_with(".yml");
}

EventEffect classify_event(const InotifyEvent& event, bool on_root) {
  const std::uint32_t m = event.mask;
  if ((m & IN_Q_OVERFLOW) != 0) return EventEffect::kOverflow;
  if ((m & IN_IGNORED) != 0) return EventEffect::kWatchGone;
  if ((m & (IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
    // A subdirectory's own removal is also seen, by name, on its parent.
    return on_root ? EventEffect::kRootGone : EventEffect::kIgnore;
  }
  if (event.name.empty()) return EventEffect::kIgnore;
  if (event.name.front() == '.') return EventEffect::kDotEntry;
  if ((m & IN_ISDIR) != 0) {
    const bool shape = (m & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) != 0;
    return shape ? EventEffect::kRescan : EventEffect::kIgnore;
  }
  return is_resource_name(event.name) ? EventEffect::kFile : EventEffect::kIgnore;
}

}  // namespace rwd::source
