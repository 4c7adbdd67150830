#pragma once
// The Engine's /events stream, as parsed events, kept open across failures.
//
// run() connects, and each time the stream is (re)established calls
// on_resync() — the caller lists again then, because events may have been
// missed while the stream was down (rewind does not trust `since=`) — and
// then on_event() for every event. When the stream breaks or is idle for
// `idle_timeout`, it reconnects after a backoff that doubles from
// `initial_backoff` to `max_backoff` and resets once a stream is up. It
// returns when `stop` is triggered (from any thread) or on a terminal error
// (the Engine refusing the request, e.g. a bad filter).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/docker/types.hpp"
#include "rewind/http/client.hpp"
#include "rewind/model/result.hpp"

namespace rwd::docker {

struct EventWatchOptions {
  std::map<std::string, std::vector<std::string>> filters{{"type", {"container"}}};
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  std::size_t max_line_bytes = 1024 * 1024;
};

// Waits `d` unless `stop` is triggered first; returns false when stopped.
using Sleeper = std::function<bool(std::chrono::milliseconds d, std::stop_token stop)>;
Sleeper real_sleeper();

// Splits a byte stream into lines ('\n'); a line longer than the limit is an error.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line_bytes) : max_(max_line_bytes) {}
  // Calls on_line for each complete line (without '\n', a trailing '\r'
  // removed, empty lines skipped). False when a line exceeds the limit.
  bool feed(std::string_view data, const std::function<void(std::string_view)>& on_line);
  void reset() { pending_.clear(); }

 private:
  std::size_t max_;
  std::string pending_;
};

class EventWatcher {
 public:
  using EventHandler = std::function<void(const Event&)>;
  using ResyncHandler = std::function<void()>;
  // Reports a failure that run() recovers from (for logs); may be empty.
  using ErrorHandler = std::function<void(const model::Error&)>;

  EventWatcher(std::unique_ptr<http::Client> http, ApiVersion version,
               EventWatchOptions options = {}, Sleeper sleeper = real_sleeper());

  model::Status run(const EventHandler& on_event, const ResyncHandler& on_resync,
                    std::stop_token stop, const ErrorHandler& on_error = {});

  // The request target: /v1.41/events?filters=...
  [[nodiscard]] std::string target() const;

 private:
  std::unique_ptr<http::Client> http_;
  ApiVersion version_;
  EventWatchOptions options_;
  Sleeper sleeper_;
};

}  // namespace rwd::docker
