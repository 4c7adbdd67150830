// One server connection: bounded reads, routing, keep-alive, error replies.

#include "server_session.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace rwd::http::server_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// A lingering close reads at most this much, for at most this long.
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kMaxLinger{2000};

// A handler's extra header must not be able to split the response.
bool is_safe_header(std::string_view name, std::string_view value) {
  const auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !name.empty() && name.find_first_of(" :\t") == std::string_view::npos &&
         std::none_of(name.begin(), name.end(), bad) &&
         std::none_of(value.begin(), value.end(), bad);
}

bool is_parse_error(const beast::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_target).category();
}

}  // namespace

// ---- core ------------------------------------------------------------------------

bool Core::reserve(std::uint64_t id) {
  const std::lock_guard lock(mu);
  if (stopping.load() || sessions.size() >= options.max_sessions) return false;
  sessions.emplace(id, std::weak_ptr<Session>{});
  return true;
}

void Core::attach(std::uint64_t id, const std::shared_ptr<Session>& session) {
  const std::lock_guard lock(mu);
  sessions[id] = session;
}

void Core::remove(std::uint64_t id) {
  {
    const std::lock_guard lock(mu);
    sessions.erase(id);
  }
  cv.notify_all();
}

// ---- session ---------------------------------------------------------------------

Session::Session(tcp::socket socket, std::shared_ptr<Core> core, std::uint64_t id)
    : stream_(std::move(socket)), core_(std::move(core)), id_(id) {}

Session::~Session() { core_->remove(id_); }

void Session::start() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&Session::read_request, shared_from_this()));
}

void Session::shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (!self->writing_) self->close();
  });
}

void Session::read_request() {
  if (stopping_ || core_->stopping.load()) return close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(core_->options.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(static_cast<std::uint64_t>(core_->options.max_body_bytes));
  // One deadline for the whole request, however slowly it trickles in.
  stream_.expires_after(core_->options.read_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec == bhttp::error::header_limit) {
    const auto limit = std::to_string(core_->options.max_header_bytes);
    return send(ServerResponse::error(431, "request header larger than " + limit + " bytes"), 11,
                false, false);
  }
  if (ec == bhttp::error::body_limit) {
    const auto limit = std::to_string(core_->options.max_body_bytes);
    return send(ServerResponse::error(413, "request body larger than " + limit + " bytes"), 11,
                false, false);
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return close();
  if (ec && is_parse_error(ec)) {
    return send(ServerResponse::error(400, "malformed request: " + ec.message()), 11, false, false);
  }
  if (ec) return close();  // timeout, reset, aborted by stop()
  try {
    serve(parser_->get());
  } catch (const std::exception&) {
    // Nothing a client sends should get here; if it does, drop only this
    // connection, never the server's thread.
    close();
  }
}

void Session::serve(Request& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& field : request) {
    headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  const bool head = request.method() == bhttp::verb::head;
  auto built = make_request(std::string(request.method_string()), std::string(request.target()),
                            std::move(headers), std::move(request.body()));
  if (!built) {
    return send(ServerResponse::error(400, built.error().message), request.version(), false, head);
  }
  const auto response = core_->router->handle(std::move(built).value());
  // Asked after the handler: a stop() that came meanwhile says "close".
  const bool keep_alive = request.keep_alive() && !stopping_ && !core_->stopping.load();
  send(response, request.version(), keep_alive, head);
}

void Session::send(const ServerResponse& response, unsigned version, bool keep_alive, bool head) {
  const bool valid_status = response.status >= 100 && response.status <= 599;
  const auto status = static_cast<unsigned>(valid_status ? response.status : 500);
  // 1xx, 204 and 304 responses have no body (Beast refuses to frame one).
  const bool bodiless = status < 200 || status == 204 || status == 304;
  response_ = Response{};
  response_.version(version);
  response_.result(status);
  response_.set(bhttp::field::server, "rewind");
  if (!response.content_type.empty() && !bodiless) {
    response_.set(bhttp::field::content_type, response.content_type);
  }
  response_.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : response.headers) {
    if (is_safe_header(name, value)) response_.insert(name, value);
  }
  response_.keep_alive(keep_alive);
  if (bodiless) {
    response_.prepare_payload();
  } else if (head) {
    response_.content_length(response.body.size());  // what a GET would send; no body
  } else {
    response_.body() = response.body;
    response_.prepare_payload();
  }
  writing_ = true;
  stream_.expires_after(core_->options.write_timeout);
  bhttp::async_write(stream_, response_,
                     beast::bind_front_handler(&Session::on_write, shared_from_this(), keep_alive));
}

void Session::on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
  writing_ = false;
  if (ec || stopping_) return close();
  if (keep_alive) return read_request();
  const bool clean = parser_ && parser_->is_done();
  if (clean) {
    // The client asked to close (or is told to): end our side, let it close.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return close();
  }
  linger();
}

void Session::linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::min(kMaxLinger, core_->options.read_timeout));
  drained_ = 0;
  drain();
}

void Session::drain() {
  stream_.async_read_some(asio::buffer(drain_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->stopping_ || self->drained_ > kMaxDrainBytes) {
                              return self->close();
                            }
                            self->drain();
                          });
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

// ---- rejection -------------------------------------------------------------------

void reject(tcp::socket socket) {
  static const std::string kResponse = [] {
    const std::string body = "{\"error\":\"too many connections; try again later\"}\n";
    return "HTTP/1.1 503 Service Unavailable\r\nServer: rewind\r\n"
           "Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  // A fresh socket's send buffer is empty, so this small write does not
  // block; what the client already sent is read away so that closing does
  // not reset the connection before the reply arrives.
  (void)socket.write_some(asio::buffer(kResponse), ignored);
  std::array<char, 4096> sink{};
  (void)socket.read_some(asio::buffer(sink), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace rwd::http::server_detail
