// rwd::http::Client over Boost.Beast: one request at a time, keep-alive.

#include "rewind/http/client.hpp"

#include <strings.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "client_errors.hpp"
#include "client_impl.hpp"
#include "tls_context.hpp"

namespace rwd::http {

std::optional<std::string> ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), key.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

model::Result<std::unique_ptr<Client>> make_client(const Endpoint& endpoint,
                                                   const ClientOptions& options) {
  std::shared_ptr<boost::asio::ssl::context> ssl;
  if (endpoint.transport == Transport::kTls) {
    auto ctx = detail::make_tls_context(endpoint.tls);
    if (!ctx) {
      return model::Error::terminal(endpoint.str() + ": " + ctx.error().message);
    }
    ssl = std::move(ctx.value());
  }
  std::unique_ptr<Client> client =
      std::make_unique<detail::BeastClient>(endpoint, options, std::move(ssl));
  return client;
}

namespace detail {

namespace bhttp = beast::http;

struct BeastClient::Exchange {
  beast::error_code ec;
  std::string_view phase;
  bool got_response_bytes = false;
  bool keep_alive = false;
  ClientResponse response;
};

BeastClient::BeastClient(Endpoint endpoint, ClientOptions options,
                         std::shared_ptr<net::ssl::context> ssl)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), ssl_(std::move(ssl)) {}

BeastClient::~BeastClient() = default;

std::optional<model::Error> check_request(const ClientRequest& request, const std::string& what) {
  const auto token = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u > 0x20 && u < 0x7f && std::strchr("()<>@,;:\\\"/[]?={}", c) == nullptr;
    });
  };
  const auto clean = [](std::string_view s, bool allow_space) {
    return std::none_of(s.begin(), s.end(), [allow_space](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u == 0x7f || (u < 0x20 && !(allow_space && c == '\t')) || (!allow_space && c == ' ');
    });
  };
  if (!token(request.method)) return model::Error::terminal(what + ": invalid method");
  if (request.target.empty() || request.target.front() != '/' || !clean(request.target, false)) {
    return model::Error::terminal(what + ": invalid request target");
  }
  for (const auto& [name, value] : request.headers) {
    if (!token(name) || !clean(value, true)) {
      return model::Error::terminal(what + ": invalid header \"" + name + "\"");
    }
  }
  return std::nullopt;
}

std::string BeastClient::describe(const ClientRequest& request) const {
  // The path only: a query may carry tokens.
  const auto path = request.target.substr(0, request.target.find('?'));
  return request.method + " " + path + " on " + endpoint_.str();
}

BeastRequest BeastClient::build(const ClientRequest& request) const {
  BeastRequest req;
  const auto verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(request.method);
  } else {
    req.method(verb);
  }
  req.target(request.target);
  req.version(11);
  req.set(bhttp::field::host, endpoint_.host_header());
  req.set(bhttp::field::user_agent, options_.user_agent);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.prepare_payload();
  return req;
}

BeastClient::Exchange BeastClient::exchange(Connection& conn, const BeastRequest& request,
                                            bool head, Clock::time_point deadline) {
  Exchange x;
  conn.expires_at(deadline);
  conn.visit([&](auto& s) {
    bhttp::async_write(s, request, [&x](beast::error_code ec, std::size_t) { x.ec = ec; });
  });
  drive(ioc_);
  if (x.ec) {
    x.phase = "write";
    return x;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options_.limits.max_header_bytes));
  parser.body_limit(options_.limits.max_body_bytes);
  parser.skip(head);
  conn.expires_at(deadline);
  conn.visit([&](auto& s) {
    bhttp::async_read_header(s, conn.buffer(), parser,
                             [&x](beast::error_code ec, std::size_t) { x.ec = ec; });
  });
  drive(ioc_);
  x.got_response_bytes = parser.got_some();
  // Beast 1.74 does not reliably stop at a Content-Length over the limit.
  if (!x.ec) {
    const auto length = parser.content_length();
    if (length && *length > options_.limits.max_body_bytes) x.ec = bhttp::error::body_limit;
  }
  if (!x.ec && !parser.is_done()) {
    conn.visit([&](auto& s) {
      bhttp::async_read(s, conn.buffer(), parser,
                        [&x](beast::error_code ec, std::size_t) { x.ec = ec; });
    });
    drive(ioc_);
  }
  if (x.ec) {
    x.phase = "read";
    return x;
  }
  auto message = parser.release();
  x.keep_alive = message.keep_alive();
  copy_head(message.base(), x.response);
  x.response.body = std::move(message.body());
  return x;
}

model::Result<ClientResponse> BeastClient::request(const ClientRequest& request,
                                                   std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string what = describe(request);
  if (auto invalid = check_request(request, what)) return *invalid;
  const BeastRequest req = build(request);
  const bool head = req.method() == bhttp::verb::head;

  if (idle_ && idle_->stale()) idle_.reset();
  bool reused = idle_ != nullptr;
  std::unique_ptr<Connection> conn = std::move(idle_);
  for (;;) {
    if (!conn) {
      conn = std::make_unique<Connection>(ioc_, endpoint_, ssl_.get());
      auto connected = conn->connect(deadline, what);
      if (!connected) return connected.error();
    }
    Exchange x = exchange(*conn, req, head, deadline);
    if (x.ec) {
      conn.reset();
      if (reused && !x.got_response_bytes && peer_closed(x.ec)) {
        reused = false;  // the peer closed the idle connection: once more, on a new one
        continue;
      }
      return transport_error(x.ec, what, x.phase, timeout, options_.limits);
    }
    if (x.keep_alive) idle_ = std::move(conn);
    return std::move(x.response);
  }
}

}  // namespace detail
}  // namespace rwd::http
