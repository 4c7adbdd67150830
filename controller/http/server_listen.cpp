// `--listen host:port` parsing.

#include <charconv>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "rewind/http/server.hpp"

namespace rwd::http {
namespace {

model::Error bad(std::string_view text, std::string_view why) {
  return model::Error::invalid_spec("--listen \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

std::string ListenAddress::str() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

model::Result<ListenAddress> parse_listen_address(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad(text, "missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad(text, "expected ':port' after ']'");
    port = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad(text, "expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad(text, "write IPv6 addresses in brackets: [::1]:9464");
    }
  }
  if (host.empty()) return bad(text, "the host is missing (use 0.0.0.0 to listen on all of IPv4)");

  unsigned value = 0;
  const auto* end = port.data() + port.size();
  const auto [ptr, ec] = std::from_chars(port.data(), end, value);
  if (port.empty() || ec != std::errc{} || ptr != end || value > 65535) {
    return bad(text, "the port must be a number within 0..65535");
  }

  ListenAddress out;
  out.port = static_cast<std::uint16_t>(value);
  if (host == "localhost") {
    out.host = "127.0.0.1";
    return out;
  }
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(host), error);
  if (error) return bad(text, "the host must be an IP address or localhost");
  if (address.is_v4() && text.front() == '[') {
    return bad(text, "brackets are for IPv6 addresses only");
  }
  out.host = address.to_string();
  return out;
}

}  // namespace rwd::http
