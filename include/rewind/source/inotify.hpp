#pragma once
// A thin owner of an inotify(7) descriptor, and the pure reading of its
// events: what a directory source does with each one.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/result.hpp"

namespace rwd::source {

struct InotifyEvent {
  int wd = -1;
  std::uint32_t mask = 0;
  std::uint32_t cookie = 0;
  std::string name;  // empty for events on the watched directory itself
};

// The mask a directory source watches every directory with.
std::uint32_t directory_watch_mask();

// Splits a buffer filled by read(2) on an inotify descriptor into events.
// A truncated trailing record is dropped.
std::vector<InotifyEvent> parse_inotify_events(const char* data, std::size_t size);

class Inotify {
 public:
  // Non-blocking, close-on-exec.
  static model::Result<Inotify> open();
  Inotify(Inotify&& other) noexcept;
  Inotify& operator=(Inotify&& other) noexcept;
  Inotify(const Inotify&) = delete;
  Inotify& operator=(const Inotify&) = delete;
  ~Inotify();

  // Watches `path` (inotify_add_watch). Watching an inode already watched
  // returns its existing descriptor.
  model::Result<int> add_watch(const std::string& path, std::uint32_t mask);
  void remove_watch(int wd);
  [[nodiscard]] int fd() const noexcept { return fd_; }

  // Everything queued now; empty when nothing is (never blocks).
  model::Result<std::vector<InotifyEvent>> read_events();

 private:
  explicit Inotify(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// What a directory source does with one event.
enum class EventEffect {
  kIgnore,     // not ours: other extensions, events we do not act on
  kFile,       // a resource file (*.yaml / *.yml, not a dot-file) may have changed
  kDotEntry,   // a dot-entry changed: symlinked files may point elsewhere now
  kRescan,     // the tree's shape changed (a directory came or went): list it again
  kOverflow,   // the kernel dropped events: list everything again
  kRootGone,   // the watched directory itself was deleted or moved
  kWatchGone,  // the kernel removed a watch (IN_IGNORED)
};
const char* to_string(EventEffect effect);

// `on_root`: the event came from the watch on the root directory.
EventEffect classify_event(const InotifyEvent& event, bool on_root);

// *.yaml / *.yml and not a dot-file.
bool is_resource_name(std::string_view name);

}  // namespace rwd::source
