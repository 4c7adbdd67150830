// Socket, TLS and HTTP parser errors as model::Error.

#include "client_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace rwd::http::detail {
namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

bool transient(const error_code& ec) {
  if (ec == boost::beast::error::timeout) return true;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return true;
  if (ec == net::ssl::error::stream_truncated) return true;
  if (ec == net::error::eof) return true;
  if (ec == net::error::host_not_found_try_again) return true;
  if (ec.category() == boost::system::system_category() ||
      ec.category() == boost::system::generic_category()) {
    // Refused, reset, unreachable, no socket file yet, ...; but not a
    // permission problem, which waiting does not fix.
    return ec != net::error::access_denied && ec != net::error::no_permission;
  }
  return false;
}

}  // namespace

model::Error transport_error(const error_code& ec, const std::string& what, std::string_view phase,
                             std::chrono::milliseconds timeout, const ClientLimits& limits) {
  std::string reason;
  if (ec == boost::beast::error::timeout) {
    reason = "timed out after " + std::to_string(timeout.count()) + "ms";
  } else if (ec == bhttp::error::header_limit) {
    reason = "response header larger than " + std::to_string(limits.max_header_bytes) +
             " bytes, refused";
  } else if (ec == bhttp::error::body_limit) {
    reason =
        "response body larger than " + std::to_string(limits.max_body_bytes) + " bytes, refused";
  } else if (ec == bhttp::error::end_of_stream) {
    reason = "connection closed by the peer";
  } else {
    reason = ec.message();
  }
  std::string message = what + ": " + std::string(phase) + ": " + reason;
  return transient(ec) ? model::Error::transient(std::move(message))
                       : model::Error::terminal(std::move(message));
}

bool peer_closed(const error_code& ec) {
  return ec == net::error::eof || ec == bhttp::error::end_of_stream ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == net::ssl::error::stream_truncated;
}

}  // namespace rwd::http::detail
