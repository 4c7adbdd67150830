#pragma once
// List, then watch, one collection of the API server, for as long as it
// runs (client-go's reflector):
//
//   list (paged) -> on_replace(every item)  -> watch from the list's
//   resourceVersion (bookmarks move it on) -> on_event(...) ...
//   the server closes the watch           -> watch again from the last version
//   410 Gone (the version is too old)     -> list again, on_replace
//   an error (API server away, ...)       -> wait (1 s, doubling to 30 s), list again
//
// on_replace gets the complete set, so the receiver can swap its cache at
// once and yield the differences; no change is lost across a broken watch.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "rewind/kube/api.hpp"

namespace rwd::kube {

struct ReflectorHandlers {
  std::function<void(std::vector<Json> items)> on_replace;
  std::function<void(WatchType type, const Json& object)> on_event;  // never kBookmark
  std::function<void(const model::Error& error)> on_error;           // optional: for the log
};

// Waits up to `d` or until stop; injectable so unit tests do not sleep.
using StopWait = std::function<void(std::chrono::milliseconds d, std::stop_token stop)>;
StopWait real_stop_wait();

struct ReflectorStats {
  std::uint64_t lists = 0;
  std::uint64_t watches = 0;
  std::uint64_t errors = 0;
};

class Reflector {
 public:
  Reflector(Api& api, std::string path, ReflectorHandlers handlers, StopWait wait = {});

  // Until `stop`. Returns only then.
  void run(std::stop_token stop);

  // The first list was delivered.
  [[nodiscard]] bool has_synced() const { return synced_.load(); }
  [[nodiscard]] ReflectorStats stats() const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  // One list and the watches after it; returns when a list is needed again.
  model::Status list_and_watch(std::stop_token stop);

  Api& api_;
  std::string path_;
  ReflectorHandlers handlers_;
  StopWait wait_;
  std::atomic<bool> synced_{false};
  std::atomic<std::uint64_t> lists_{0};
  std::atomic<std::uint64_t> watches_{0};
  std::atomic<std::uint64_t> errors_{0};
};

}  // namespace rwd::kube
