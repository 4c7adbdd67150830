#pragma once
// One connection of the HTTP client: a unix socket, TCP or TLS stream, all
// driven by the client's private io_context. Internal to controller/http.

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"

namespace rwd::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

using UnixStream = beast::basic_stream<net::local::stream_protocol>;
using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Runs the io_context until every pending operation has completed.
inline void drive(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

class Connection {
 public:
  Connection(net::io_context& ioc, const Endpoint& endpoint, net::ssl::context* ssl);

  // Resolves, connects and (for TLS) handshakes before `deadline`. `what`
  // ("GET /x on unix:///...") starts the error message.
  model::Status connect(Clock::time_point deadline, const std::string& what);

  // Calls f with the concrete stream.
  template <class F>
  decltype(auto) visit(F&& f) {
    if (unix_) return f(*unix_);
    if (tcp_) return f(*tcp_);
    return f(*tls_);
  }

  void expires_at(Clock::time_point deadline);
  // Cancels what is pending (connect, resolve, read, write). Call it on the
  // io_context's thread.
  void cancel();
  // True when the idle connection cannot be reused: the peer closed it, sent
  // something unasked, or bytes are left over from the previous response.
  [[nodiscard]] bool stale();

  beast::flat_buffer& buffer() { return buffer_; }
  [[nodiscard]] const std::string& endpoint_str() const { return endpoint_str_; }

 private:
  model::Status connect_tcp(net::ip::tcp::resolver::results_type& results,
                            Clock::time_point deadline, const std::string& what);
  beast::tcp_stream& tcp_layer();

  net::io_context& ioc_;
  Endpoint endpoint_;
  std::string endpoint_str_;
  std::unique_ptr<UnixStream> unix_;
  std::unique_ptr<TcpStream> tcp_;
  std::unique_ptr<TlsStream> tls_;
  net::ip::tcp::resolver resolver_;
  beast::flat_buffer buffer_;
};

}  // namespace rwd::http::detail
