// rwd::http::Client::stream: a response body handed over as it arrives.

#include <algorithm>
#include <array>
#include <limits>
#include <stop_token>

#include <boost/asio/post.hpp>

#include "client_errors.hpp"
#include "client_impl.hpp"

namespace rwd::http::detail {
namespace {

namespace bhttp = beast::http;

constexpr std::size_t kErrorBodyLimit = 1024 * 1024;
constexpr std::size_t kChunk = 16 * 1024;

// Shared between stream() and the handlers a stop request posts; touched
// only on the io_context's thread.
struct CancelTarget {
  bool active = true;
  Connection* conn = nullptr;
};

}  // namespace

model::Result<StreamResult> BeastClient::stream(const ClientRequest& request,
                                                const StreamHandlers& handlers,
                                                std::chrono::milliseconds idle_timeout,
                                                std::stop_token stop) {
  const std::string what = describe(request);
  if (auto invalid = check_request(request, what)) return *invalid;
  const BeastRequest req = build(request);
  idle_.reset();  // a stream gets a connection of its own

  auto conn = std::make_unique<Connection>(ioc_, endpoint_, ssl_.get());
  auto target = std::make_shared<CancelTarget>();
  target->conn = conn.get();
  struct Deactivate {
    CancelTarget& t;
    ~Deactivate() { t.active = false; }
  } deactivate{*target};
  // Runs on the thread that requests the stop; the cancel itself happens on
  // ours, inside drive(). A handler that runs after we returned does nothing.
  std::stop_callback on_stop(stop, [this, target] {
    net::post(ioc_, [target] {
      if (target->active) target->conn->cancel();
    });
  });

  StreamResult result;
  const auto stopped = [&] {
    result.end = StreamEnd::kStopRequested;
    return result;
  };
  const auto fail = [&](const beast::error_code& ec, std::string_view phase) {
    return transport_error(ec, what, phase, idle_timeout, options_.limits);
  };
  if (stop.stop_requested()) return stopped();

  auto connected = conn->connect(Clock::now() + idle_timeout, what);
  if (stop.stop_requested()) return stopped();
  if (!connected) return connected.error();

  beast::error_code ec;
  conn->expires_at(Clock::now() + idle_timeout);
  conn->visit([&](auto& s) {
    bhttp::async_write(s, req, [&ec](beast::error_code e, std::size_t) { ec = e; });
  });
  drive(ioc_);
  if (stop.stop_requested()) return stopped();
  if (ec) return fail(ec, "write");

  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options_.limits.max_header_bytes));
  // A stream has no end; the handler decides. (Not boost::none: Beast 1.74
  // then refuses every Content-Length.)
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  conn->expires_at(Clock::now() + idle_timeout);
  conn->visit([&](auto& s) {
    bhttp::async_read_header(s, conn->buffer(), parser,
                             [&ec](beast::error_code e, std::size_t) { ec = e; });
  });
  drive(ioc_);
  if (stop.stop_requested()) return stopped();
  if (ec) return fail(ec, "read header");
  copy_head(parser.get().base(), result.head);
  const bool success = result.head.success();
  if (success && handlers.on_head && !handlers.on_head(result.head)) {
    result.end = StreamEnd::kHandlerStopped;
    return result;
  }

  std::array<char, kChunk> chunk{};
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    conn->expires_at(Clock::now() + idle_timeout);
    conn->visit([&](auto& s) {
      bhttp::async_read_some(s, conn->buffer(), parser,
                             [&ec](beast::error_code e, std::size_t) { ec = e; });
    });
    drive(ioc_);
    if (stop.stop_requested()) return stopped();
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return fail(ec, "read");
    const std::size_t n = chunk.size() - parser.get().body().size;
    if (n == 0) continue;
    const std::string_view data(chunk.data(), n);
    if (!success) {
      // An error document: keep it for the caller, up to a limit.
      const auto room = kErrorBodyLimit - result.head.body.size();
      result.head.body.append(data.substr(0, std::min(room, data.size())));
      if (result.head.body.size() >= kErrorBodyLimit) break;
      continue;
    }
    if (!handlers.on_data(data)) {
      result.end = StreamEnd::kHandlerStopped;
      return result;
    }
  }
  result.end = StreamEnd::kComplete;
  return result;
}

}  // namespace rwd::http::detail
