// Connecting the client's unix, TCP and TLS streams, with deadlines.

#include "client_connection.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>

#include <boost/asio/steady_timer.hpp>

#include "client_errors.hpp"
#include "tls_context.hpp"

namespace rwd::http::detail {
namespace {

using tcp = net::ip::tcp;

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

}  // namespace

Connection::Connection(net::io_context& ioc, const Endpoint& endpoint, net::ssl::context* ssl)
    : ioc_(ioc), endpoint_(endpoint), endpoint_str_(endpoint.str()), resolver_(ioc) {
  switch (endpoint.transport) {
    case Transport::kUnix: unix_ = std::make_unique<UnixStream>(ioc); break;
    case Transport::kTcp: tcp_ = std::make_unique<TcpStream>(ioc); break;
    case Transport::kTls: tls_ = std::make_unique<TlsStream>(ioc, *ssl); break;
  }
}

beast::tcp_stream& Connection::tcp_layer() { return tcp_ ? *tcp_ : tls_->next_layer(); }

void Connection::expires_at(Clock::time_point deadline) {
  if (unix_) {
    unix_->expires_at(deadline);
  } else {
    tcp_layer().expires_at(deadline);
  }
}

void Connection::cancel() {
  resolver_.cancel();
  if (unix_) {
    unix_->cancel();
  } else {
    tcp_layer().cancel();
  }
}

bool Connection::stale() {
  if (buffer_.size() != 0) return true;
  const int fd = unix_ ? unix_->socket().native_handle() : tcp_layer().socket().native_handle();
  char byte = 0;
  const auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;  // closed by the peer (0), or unasked-for bytes
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

model::Status Connection::connect(Clock::time_point deadline, const std::string& what) {
  ClientLimits no_limits;
  const auto fail = [&](const beast::error_code& ec, std::string_view phase) {
    return transport_error(ec, what, phase, remaining(deadline), no_limits);
  };
  const auto budget = remaining(deadline);
  beast::error_code ec = net::error::would_block;
  if (unix_) {
    if (endpoint_.socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
      return model::Error::terminal(what + ": connect: socket path longer than " +
                                    std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
    }
    unix_->expires_at(deadline);
    unix_->async_connect(net::local::stream_protocol::endpoint(endpoint_.socket_path),
                         [&ec](beast::error_code e) { ec = e; });
    drive(ioc_);
    if (ec) return transport_error(ec, what, "connect", budget, no_limits);
    return {};
  }

  // Resolution has no expiry of its own: a timer cancels it.
  tcp::resolver::results_type results;
  net::steady_timer timer(ioc_);
  timer.expires_at(deadline);
  bool resolve_timed_out = false;
  timer.async_wait([&](beast::error_code e) {
    if (!e) {
      resolve_timed_out = true;
      resolver_.cancel();
    }
  });
  resolver_.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                          tcp::resolver::numeric_service,
                          [&](beast::error_code e, tcp::resolver::results_type r) {
                            ec = e;
                            results = std::move(r);
                            timer.cancel();
                          });
  drive(ioc_);
  if (resolve_timed_out)
    return transport_error(beast::error::timeout, what, "resolve", budget, no_limits);
  if (ec) return fail(ec, "resolve " + endpoint_.host);
  return connect_tcp(results, deadline, what);
}

model::Status Connection::connect_tcp(tcp::resolver::results_type& results,
                                      Clock::time_point deadline, const std::string& what) {
  ClientLimits no_limits;
  const auto budget = remaining(deadline);
  beast::error_code ec = net::error::would_block;
  auto& layer = tcp_layer();
  layer.expires_at(deadline);
  layer.async_connect(results, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
  drive(ioc_);
  if (ec) return transport_error(ec, what, "connect", budget, no_limits);
  layer.socket().set_option(tcp::no_delay(true), ec);
  if (!tls_) return {};

  if (!prepare_tls_connection(tls_->native_handle(), endpoint_.tls, endpoint_.host)) {
    return model::Error::terminal(what + ": TLS: cannot use \"" + endpoint_.host +
                                  "\" as the server name");
  }
  ec = net::error::would_block;
  layer.expires_at(deadline);
  tls_->async_handshake(net::ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
  drive(ioc_);
  if (ec) return transport_error(ec, what, "TLS handshake", budget, no_limits);
  return {};
}

}  // namespace rwd::http::detail
