#pragma once
// HTTP/1.1 client (Boost.Beast) for unix sockets, TCP and TCP+TLS.
//
// Every operation has a deadline: request() one for the whole exchange
// (connect, TLS handshake, write, read), stream() an idle timeout that is
// renewed whenever data arrives. Connections are kept alive and reused; a
// reused connection that the peer closed in the meantime is replaced once,
// transparently. Responses larger than the configured limits are refused.
//
// A Client is used by one thread at a time; only the stop_token given to
// stream() may be triggered from another thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"

namespace rwd::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, already encoded
  Headers headers;           // Host, User-Agent and Content-Length are set by the client
  std::string body;          // sent with Content-Length when not empty (or method is POST/PUT)
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;

  // The first header of that name (case-insensitive).
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  [[nodiscard]] bool success() const { return status >= 200 && status < 300; }
};

struct ClientLimits {
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

struct ClientOptions {
  ClientLimits limits;
  std::string user_agent = "rewind";
};

// Receives the body of a streamed response piece by piece (as it arrives,
// not split on any boundary). Returns false to end the stream.
using DataHandler = std::function<bool(std::string_view)>;
// Receives the status and headers of a 2xx streamed response before any of
// its body. Returns false to end the stream.
using HeadHandler = std::function<bool(const ClientResponse&)>;

struct StreamHandlers {
  HeadHandler on_head;  // may be empty
  DataHandler on_data;
};

enum class StreamEnd {
  kComplete,        // the server ended the response
  kHandlerStopped,  // the DataHandler returned false
  kStopRequested,   // the stop_token was triggered
};

struct StreamResult {
  // Status and headers. For a non-2xx status the body (up to 1 MiB) is here
  // and the handler was not called.
  ClientResponse head;
  StreamEnd end = StreamEnd::kComplete;
};

class Client {
 public:
  virtual ~Client() = default;

  // One exchange; fails when it has not finished within `timeout`.
  virtual model::Result<ClientResponse> request(const ClientRequest& request,
                                                std::chrono::milliseconds timeout) = 0;

  // Sends the request and hands the body to `on_data` as it arrives (chunked
  // or not). Fails with a transient error when nothing arrives for
  // `idle_timeout` (also while connecting and waiting for the headers).
  // Triggering `stop` from any thread ends it promptly with kStopRequested.
  virtual model::Result<StreamResult> stream(const ClientRequest& request,
                                             const StreamHandlers& handlers,
                                             std::chrono::milliseconds idle_timeout,
                                             std::stop_token stop) = 0;

  model::Result<StreamResult> stream(const ClientRequest& request, const DataHandler& on_data,
                                     std::chrono::milliseconds idle_timeout, std::stop_token stop) {
    return stream(request, StreamHandlers{{}, on_data}, idle_timeout, std::move(stop));
  }

  [[nodiscard]] virtual const Endpoint& endpoint() const = 0;
};

// The Beast implementation. Fails (terminal) when TLS files cannot be loaded.
model::Result<std::unique_ptr<Client>> make_client(const Endpoint& endpoint,
                                                   const ClientOptions& options = {});

}  // namespace rwd::http
