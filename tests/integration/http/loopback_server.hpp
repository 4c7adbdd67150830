#pragma once
// A small HTTP/1.1 server on 127.0.0.1 for the client's integration tests:
// our own fixture, driven by each test's handler, so a test can answer
// slowly, in chunks, too much, or not at all. Plain TCP or TLS (Asio SSL).
// One thread per connection; the destructor wakes and joins them all.

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

namespace rwd::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class ServerConn {
 public:
  ServerConn(tcp::socket socket, net::ssl::context* tls) : socket_(std::move(socket)) {
    if (tls != nullptr) tls_ = std::make_unique<net::ssl::stream<tcp::socket&>>(socket_, *tls);
  }

  bool handshake() {
    if (!tls_) return true;
    boost::system::error_code ec;
    tls_->handshake(net::ssl::stream_base::server, ec);
    return !ec;
  }

  // The next request (head and Content-Length body), or nullopt at EOF.
  std::optional<std::string> read_request() {
    for (;;) {
      const auto end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t body = 0;
        const auto cl = lower(pending_.substr(0, end)).find("content-length:");
        if (cl != std::string::npos) body = std::stoul(pending_.substr(cl + 15));
        if (pending_.size() >= end + 4 + body) {
          std::string request = pending_.substr(0, end + 4 + body);
          pending_.erase(0, end + 4 + body);
          return request;
        }
      }
      char buf[4096];
      boost::system::error_code ec;
      const std::size_t n =
          tls_ ? tls_->read_some(net::buffer(buf), ec) : socket_.read_some(net::buffer(buf), ec);
      if (ec || n == 0) return std::nullopt;
      pending_.append(buf, n);
    }
  }

  bool write(const std::string& data) {
    boost::system::error_code ec;
    if (tls_) {
      net::write(*tls_, net::buffer(data), ec);
    } else {
      net::write(socket_, net::buffer(data), ec);
    }
    return !ec;
  }

  void close() {
    std::lock_guard lock(mu_);
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  // From another thread: wakes a blocked read.
  void wake() {
    std::lock_guard lock(mu_);
    if (socket_.is_open()) ::shutdown(socket_.native_handle(), SHUT_RDWR);
  }

  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

 private:
  tcp::socket socket_;
  std::unique_ptr<net::ssl::stream<tcp::socket&>> tls_;
  std::string pending_;
  std::mutex mu_;
};

class LoopbackServer {
 public:
  using Handler = std::function<void(ServerConn&)>;

  explicit LoopbackServer(Handler handler, net::ssl::context* tls = nullptr)
      : handler_(std::move(handler)), tls_(tls), acceptor_(ioc_) {
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { accept_loop(); });
  }

  ~LoopbackServer() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
    {
      std::lock_guard lock(mu_);
      for (auto& c : conns_) c.conn->wake();
    }
    for (auto& c : conns_) c.thread.join();
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] std::string url(const char* scheme = "tcp") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }
  [[nodiscard]] int connections() const { return accepted_.load(); }

 private:
  struct Running {
    std::shared_ptr<ServerConn> conn;
    std::thread thread;
  };

  void accept_loop() {
    while (!stopping_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ++accepted_;
      auto conn = std::make_shared<ServerConn>(std::move(socket), tls_);
      std::lock_guard lock(mu_);
      conns_.push_back({conn, std::thread([this, conn] {
                          if (conn->handshake()) handler_(*conn);
                          conn->close();
                        })});
    }
  }

  Handler handler_;
  net::ssl::context* tls_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::mutex mu_;
  std::list<Running> conns_;
};

// "HTTP/1.1 <status>\r\nContent-Length: n\r\n<extra>\r\n<body>"
inline std::string response(const std::string& body, int status = 200,
                            const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
         body;
}

inline std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace rwd::test
