#pragma once
// Private to the server: the state shared by the listener and its sessions,
// and the session that serves one connection.

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "rewind/http/server.hpp"

namespace rwd::http::server_detail {

class Session;

// Outlives the listener and every session (each holds a shared_ptr).
struct Core {
  Core(ServerOptions o, Router r)
      : options(std::move(o)), router(std::make_shared<const Router>(std::move(r))) {}

  // Takes a session slot: false when stopping or max_sessions are served.
  bool reserve(std::uint64_t id);
  void attach(std::uint64_t id, const std::shared_ptr<Session>& session);
  void remove(std::uint64_t id);

  const ServerOptions options;
  const std::shared_ptr<const Router> router;

  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;  // signalled when a session goes away
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
};

// One connection: read a request (whole, within read_timeout), route it,
// write the response, repeat while keep-alive. Everything runs on the
// stream's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<Core> core, std::uint64_t id);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  // From stop(): close now unless a response is being written; in that case
  // close right after it.
  void shutdown();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void serve(Request& request);
  void send(const ServerResponse& response, unsigned version, bool keep_alive, bool head);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  // After an error reply: stop sending, read and discard what the client is
  // still sending for a short while so it can read the reply, then close.
  void linger();
  void drain();
  void close();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<Core> core_;
  std::uint64_t id_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Response response_;
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
  bool writing_ = false;
  bool stopping_ = false;
};

// Beyond max_sessions: answer 503 without reading and close, never blocking.
void reject(boost::asio::ip::tcp::socket socket);

}  // namespace rwd::http::server_detail
