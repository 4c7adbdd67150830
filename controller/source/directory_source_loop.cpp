// DirectorySource's thread: wait for inotify events, gather what they name,
// and read it once the debounce is due.

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>

#include "rewind/source/directory_source.hpp"

namespace rwd::source {
namespace fs = std::filesystem;

runtime::Duration DirectorySource::poll_timeout() const {
  std::optional<runtime::SteadyTime> at = debouncer_.deadline();
  if (root_missing_ || root_is_symlink_) {
    at = at ? std::min(*at, next_root_check_) : next_root_check_;
  }
  if (!at) return runtime::Duration::max();
  return std::max(*at - clock_.steady_now(), runtime::Duration::zero());
}

void DirectorySource::run() {
  pollfd fds[2] = {{inotify_->fd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (!stopping_) {
    const runtime::Duration wait = poll_timeout();
    int timeout_ms = -1;
    if (wait != runtime::Duration::max()) {
      // Rounded up, so the loop does not spin just before a deadline.
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
      timeout_ms = static_cast<int>(std::min<std::int64_t>(ms, 60'000));
    }
    if (::poll(fds, 2, timeout_ms) < 0 && errno != EINTR) {
      spdlog::error("{}: poll: {}", name_, std::strerror(errno));
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      const ssize_t n = ::read(wake_fd_, &count, sizeof count);
      (void)n;
    }
    if (stopping_) return;
    if (republish_.exchange(false)) publish_diagnostics();
    if (rescan_requested_.exchange(false)) {
      pending_.rescan = true;
      debouncer_.touch(clock_.steady_now());
    }
    if ((fds[0].revents & POLLIN) != 0) {
      auto events = inotify_->read_events();
      if (events.ok()) {
        handle_events(std::move(events).value());
      } else {
        spdlog::error("{}: {}", name_, events.error().message);
      }
    }
    if ((root_missing_ || root_is_symlink_) && clock_.steady_now() >= next_root_check_) {
      check_root();
    }
    if (debouncer_.due(clock_.steady_now())) flush();
  }
}

void DirectorySource::handle_events(std::vector<InotifyEvent> events) {
  bool relevant = false;
  for (const InotifyEvent& e : events) {
    auto it = watches_.find(e.wd);
    const bool known = it != watches_.end();
    const bool on_root = known && it->second.empty();
    switch (classify_event(e, on_root)) {
      case EventEffect::kOverflow:
        spdlog::warn("{}: inotify queue overflowed; listing everything again", name_);
        {
          std::lock_guard lock(mu_);
          ++stats_.overflows;
        }
        pending_.rescan = true;
        relevant = true;
        break;
      case EventEffect::kWatchGone:
        if (on_root) {
          root_lost("was removed");
        } else if (known) {
          watches_.erase(it);
        }
        break;
      case EventEffect::kRootGone:
        root_lost((e.mask & IN_MOVE_SELF) != 0 ? "was moved away" : "was removed");
        break;
      case EventEffect::kRescan:
        if (known) {
          pending_.rescan = true;
          relevant = true;
        }
        break;
      case EventEffect::kDotEntry:
        if (known && !symlinks_.empty()) {
          pending_.symlinks = true;
          relevant = true;
        }
        break;
      case EventEffect::kFile:
        if (known) {
          pending_.files.insert(it->second.empty() ? e.name : it->second + "/" + e.name);
          relevant = true;
        }
        break;
      case EventEffect::kIgnore: break;
    }
    if (root_missing_) break;  // the rest refers to watches that are gone
  }
  if (relevant && !root_missing_) debouncer_.touch(clock_.steady_now());
}

void DirectorySource::flush() {
  debouncer_.clear();
  Pending work = std::move(pending_);
  pending_ = Pending{};
  if (root_missing_) return;
  {
    std::lock_guard lock(mu_);
    ++stats_.batches;
  }
  if (work.rescan) {
    full_scan();
    return;
  }
  // A symlinked file's content changes with its target, wherever that is in
  // the tree: read the (few) symlinked files again with every batch.
  if (work.symlinks || !work.files.empty()) {
    work.files.insert(symlinks_.begin(), symlinks_.end());
  }
  if (!work.files.empty()) read_files(work.files);
}

void DirectorySource::root_lost(const std::string& why) {
  if (root_missing_) return;
  root_missing_ = true;
  for (const auto& [wd, rel] : watches_) inotify_->remove_watch(wd);
  watches_.clear();
  pending_ = Pending{};
  debouncer_.clear();
  next_root_check_ = clock_.steady_now();
  {
    std::lock_guard lock(mu_);
    stats_.watched_dirs = 0;
    root_error_ = model::Diagnostic{
        options_.root.string(),
        std::nullopt,
        {"",
         "the directory " + why + "; keeping the " + std::to_string(state_.objects().size()) +
             " objects last read from it until it is back",
         {}}};
  }
  publish_diagnostics();
}

void DirectorySource::check_root() {
  next_root_check_ = clock_.steady_now() + options_.root_check;
  std::error_code ec;
  const fs::path now = fs::canonical(options_.root, ec);
  if (ec || !fs::is_directory(now, ec)) return;  // still away
  if (!root_missing_ && now == canonical_root_) return;
  if (root_missing_) {
    spdlog::info("{}: the directory is back; listing it", name_);
  } else {
    spdlog::info("{}: {} now points to {}; listing it", name_, options_.root.string(),
                 now.string());
    for (const auto& [wd, rel] : watches_) inotify_->remove_watch(wd);
    watches_.clear();
  }
  canonical_root_ = now;
  pending_ = Pending{};
  debouncer_.clear();
  full_scan();
}

}  // namespace rwd::source
