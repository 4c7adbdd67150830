#pragma once
// An in-memory http::Client for the Docker client's unit tests: requests are
// recorded and answered by a handler; streams play scripted pieces.

#include <deque>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "rewind/http/client.hpp"

namespace rwd::docker::testing {

inline http::ClientResponse reply(int status, std::string body = "") {
  http::ClientResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

struct ScriptedStream {
  std::optional<model::Error> connect_error;  // fails before any head
  int status = 200;
  std::string error_body;                 // for non-2xx
  std::vector<std::string> pieces;        // handed to on_data in order
  std::optional<model::Error> end_error;  // after the pieces (else: complete)
};

inline ScriptedStream stream_of(std::vector<std::string> pieces,
                                std::optional<model::Error> end_error = std::nullopt) {
  ScriptedStream s;
  s.pieces = std::move(pieces);
  s.end_error = std::move(end_error);
  return s;
}

inline ScriptedStream stream_status(int status, std::string body) {
  ScriptedStream s;
  s.status = status;
  s.error_body = std::move(body);
  return s;
}

inline ScriptedStream stream_failing(model::Error error) {
  ScriptedStream s;
  s.connect_error = std::move(error);
  return s;
}

class FakeHttp : public http::Client {
 public:
  using Handler = std::function<model::Result<http::ClientResponse>(const http::ClientRequest&)>;

  explicit FakeHttp(Handler handler = {}) : handler_(std::move(handler)) {
    endpoint_.transport = http::Transport::kUnix;
    endpoint_.socket_path = "/var/run/docker.sock";
  }

  model::Result<http::ClientResponse> request(const http::ClientRequest& r,
                                              std::chrono::milliseconds timeout) override {
    requests.push_back(r);
    timeouts.push_back(timeout);
    if (!handler_) return model::Error::transient("no handler");
    return handler_(r);
  }

  model::Result<http::StreamResult> stream(const http::ClientRequest& r,
                                           const http::StreamHandlers& handlers,
                                           std::chrono::milliseconds,
                                           std::stop_token stop) override {
    requests.push_back(r);
    if (streams.empty()) {
      if (on_streams_exhausted) on_streams_exhausted();
      return model::Error::transient("no more scripted streams");
    }
    ScriptedStream s = std::move(streams.front());
    streams.pop_front();
    if (s.connect_error) return *s.connect_error;
    http::StreamResult result;
    result.head = reply(s.status);
    if (!result.head.success()) {
      result.head.body = s.error_body;
      return result;
    }
    if (handlers.on_head && !handlers.on_head(result.head)) {
      result.end = http::StreamEnd::kHandlerStopped;
      return result;
    }
    for (const auto& piece : s.pieces) {
      if (stop.stop_requested()) {
        result.end = http::StreamEnd::kStopRequested;
        return result;
      }
      if (!handlers.on_data(piece)) {
        result.end = http::StreamEnd::kHandlerStopped;
        return result;
      }
    }
    if (s.end_error) return *s.end_error;
    return result;
  }

  [[nodiscard]] const http::Endpoint& endpoint() const override { return endpoint_; }

  std::vector<http::ClientRequest> requests;
  std::vector<std::chrono::milliseconds> timeouts;
  std::deque<ScriptedStream> streams;
  std::function<void()> on_streams_exhausted;

 private:
  Handler handler_;
  http::Endpoint endpoint_;
};

}  // namespace rwd::docker::testing
