// List and watch one collection, relisting after 410 Gone and errors.

#include "rewind/kube/reflector.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace rwd::kube {

StopWait real_stop_wait() {
  return [](std::chrono::milliseconds d, std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    (void)cv.wait_for(lock, stop, d, [] { return false; });
  };
}

Reflector::Reflector(Api& api, std::string path, ReflectorHandlers handlers, StopWait wait)
    : api_(api),
      path_(std::move(path)),
      handlers_(std::move(handlers)),
      wait_(wait ? std::move(wait) : real_stop_wait()) {}

ReflectorStats Reflector::stats() const { return {lists_.load(), watches_.load(), errors_.load()}; }

model::Status Reflector::list_and_watch(std::stop_token stop) {
  auto listed = api_.list(path_);
  if (!listed) return listed.error();
  ++lists_;
  std::string version = listed->resource_version;
  handlers_.on_replace(std::move(listed->items));
  synced_ = true;
  while (!stop.stop_requested()) {
    ++watches_;
    auto end = api_.watch(
        path_, version,
        [&](const WatchEvent& ev) {
          const std::string v = meta_string(ev.object, "resourceVersion");
          if (!v.empty()) version = v;
          if (ev.type != WatchType::kBookmark) handlers_.on_event(ev.type, ev.object);
          return true;
        },
        stop);
    if (!end) return end.error();
    if (*end == WatchEnd::kGone) return {};  // list again
    if (*end == WatchEnd::kStopped || *end == WatchEnd::kHandlerStopped) return {};
  }
  return {};
}

void Reflector::run(std::stop_token stop) {
  constexpr std::chrono::milliseconds kFirst{1000};
  constexpr std::chrono::milliseconds kMax{30000};
  std::chrono::milliseconds backoff = kFirst;
  while (!stop.stop_requested()) {
    const std::uint64_t lists_before = lists_.load();
    auto st = list_and_watch(stop);
    if (stop.stop_requested()) return;
    if (st) {
      backoff = kFirst;
      continue;
    }
    ++errors_;
    if (handlers_.on_error) handlers_.on_error(st.error());
    // A watch that ran after a good list was a success: start the backoff over.
    if (lists_.load() != lists_before) backoff = kFirst;
    wait_(backoff, stop);
    backoff = std::min(backoff * 2, kMax);
  }
}

}  // namespace rwd::kube
