#pragma once
// Turns socket, TLS and HTTP parser errors into model::Error. Internal to
// controller/http.

#include <chrono>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "rewind/http/client.hpp"
#include "rewind/model/result.hpp"

namespace rwd::http::detail {

// "<what>: <phase>: <reason>", transient when retrying can help (refused,
// reset, timed out, daemon not there yet), terminal otherwise (TLS
// verification, limits, malformed responses). `timeout` is named in the
// message of a timeout, `limits` in that of a refused response.
model::Error transport_error(const boost::system::error_code& ec, const std::string& what,
                             std::string_view phase, std::chrono::milliseconds timeout,
                             const ClientLimits& limits);

// Whether a failure on a reused keep-alive connection means the peer closed
// it while idle, so the request may be sent once more on a new connection.
bool peer_closed(const boost::system::error_code& ec);

}  // namespace rwd::http::detail
