#pragma once
// A deliberately low-level HTTP client for the server tests: it writes raw
// bytes (so a test can send half a request, oversized headers or garbage)
// and parses responses with Beast. Every operation has a deadline.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace rwd::http::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

using Response = bhttp::response<bhttp::string_body>;

class TestClient {
 public:
  explicit TestClient(std::uint16_t port, std::string host = "127.0.0.1") : stream_(ioc_) {
    const asio::ip::tcp::endpoint ep(asio::ip::make_address(host), port);
    stream_.expires_after(5s);
    stream_.async_connect(ep, [this](beast::error_code ec) { connect_error_ = ec; });
    run();
  }

  [[nodiscard]] beast::error_code connect_error() const { return connect_error_; }

  beast::error_code write(std::string_view bytes, std::chrono::milliseconds timeout = 5s) {
    beast::error_code result;
    stream_.expires_after(timeout);
    asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                      [&result](beast::error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  // Reads one response; ec is set when none arrives whole within timeout.
  beast::error_code read(Response& response, std::chrono::milliseconds timeout = 5s,
                         bool head = false) {
    beast::error_code result;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    if (head) parser.skip(true);
    stream_.expires_after(timeout);
    bhttp::async_read(stream_, buffer_, parser,
                      [&result](beast::error_code ec, std::size_t) { result = ec; });
    run();
    if (!result) response = parser.release();
    return result;
  }

  // Sends a simple request and reads the response.
  Response get(std::string_view target, std::string_view method = "GET",
               std::string_view extra_headers = "") {
    const std::string request = std::string(method) + " " + std::string(target) +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra_headers) +
                                "\r\n";
    Response response;
    if (write(request)) return response;
    (void)read(response, 5s, method == "HEAD");
    return response;
  }

  // Waits until the server closes the connection (EOF or reset) and returns
  // true, or false when it is still open after `timeout`. Data that arrives
  // meanwhile is discarded.
  bool wait_closed(std::chrono::milliseconds timeout) {
    bool closed = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
      beast::error_code result;
      stream_.expires_at(deadline);
      stream_.async_read_some(asio::buffer(sink_),
                              [&result](beast::error_code ec, std::size_t) { result = ec; });
      run();
      if (result == beast::error::timeout) return false;
      closed = static_cast<bool>(result);
    }
    return closed;
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code connect_error_;
  std::array<char, 4096> sink_{};
};

}  // namespace rwd::http::testing
