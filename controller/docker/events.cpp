// The /events stream with reconnects, backoff and resync.

#include "rewind/docker/events.hpp"

#include <condition_variable>
#include <mutex>

#include "rewind/docker/parse.hpp"
#include "rewind/http/url.hpp"

namespace rwd::docker {

Sleeper real_sleeper() {
  return [](std::chrono::milliseconds d, std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
  };
}

bool LineSplitter::feed(std::string_view data,
                        const std::function<void(std::string_view)>& on_line) {
  while (!data.empty()) {
    const auto nl = data.find('\n');
    const auto piece = data.substr(0, nl);
    if (pending_.size() + piece.size() > max_) {
      pending_.clear();
      return false;
    }
    pending_.append(piece);
    if (nl == std::string_view::npos) return true;
    std::string_view line = pending_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) on_line(line);
    pending_.clear();
    data.remove_prefix(nl + 1);
  }
  return true;
}

EventWatcher::EventWatcher(std::unique_ptr<http::Client> http, ApiVersion version,
                           EventWatchOptions options, Sleeper sleeper)
    : http_(std::move(http)),
      version_(version),
      options_(std::move(options)),
      sleeper_(std::move(sleeper)) {}

std::string EventWatcher::target() const {
  std::string path = "/v" + version_.str() + "/events";
  if (options_.filters.empty()) return path;
  nlohmann::json filters = nlohmann::json::object();
  for (const auto& [key, values] : options_.filters) filters[key] = values;
  return path + http::query_string({{"filters", filters.dump()}});
}

model::Status EventWatcher::run(const EventHandler& on_event, const ResyncHandler& on_resync,
                                std::stop_token stop, const ErrorHandler& on_error) {
  http::ClientRequest request;
  request.target = target();
  const std::string what = "GET /events on " + http_->endpoint().str();
  auto backoff = options_.initial_backoff;
  const auto report = [&](const model::Error& e) {
    if (on_error) on_error(e);
  };
  while (!stop.stop_requested()) {
    LineSplitter lines(options_.max_line_bytes);
    bool too_long = false;
    http::StreamHandlers handlers;
    handlers.on_head = [&](const http::ClientResponse&) {
      backoff = options_.initial_backoff;  // the stream is up
      if (on_resync) on_resync();
      return !stop.stop_requested();
    };
    handlers.on_data = [&](std::string_view data) {
      too_long = !lines.feed(data, [&](std::string_view line) {
        auto event = parse_event(line);
        if (event) {
          on_event(*event);
        } else {
          report(event.error());  // one bad line does not end the stream
        }
      });
      return !too_long && !stop.stop_requested();
    };
    auto result = http_->stream(request, handlers, options_.idle_timeout, stop);
    if (stop.stop_requested()) return {};
    if (!result) {
      if (result.error().kind != model::ErrorKind::kTransient) return result.error();
      report(result.error());
    } else if (!result->head.success()) {
      const auto& head = result->head;
      std::string message =
          what + ": " + std::to_string(head.status) + " " + parse_error_message(head.body);
      if (head.status < 500) return model::Error::terminal(std::move(message));
      report(model::Error::transient(std::move(message)));
    } else if (too_long) {
      report(model::Error::transient(what + ": a line longer than " +
                                     std::to_string(options_.max_line_bytes) + " bytes"));
    } else {
      report(model::Error::transient(what + ": the stream ended"));
    }
    if (!sleeper_(backoff, stop)) return {};
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return {};
}

}  // namespace rwd::docker
