#pragma once
// A TCP listener on 127.0.0.1 that relays each connection to a unix socket
// (the real dockerd's), byte for byte. Our own test fixture: it lets a test
// cut a live connection (cut_all) to see a client reconnect.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace rwd::docker::it {

class UnixRelay {
 public:
  explicit UnixRelay(std::string socket_path) : path_(std::move(socket_path)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~UnixRelay() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    cut_all();
    for (auto& p : pipes_) {
      p.thread.join();
      ::close(p.client);
      ::close(p.server);
    }
    ::close(listen_fd_);
  }

  UnixRelay(const UnixRelay&) = delete;
  UnixRelay& operator=(const UnixRelay&) = delete;

  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] int connections() const { return accepted_.load(); }

  // Breaks every relayed connection at once (both sides see it closed).
  void cut_all() {
    std::lock_guard lock(mu_);
    for (auto& p : pipes_) {
      ::shutdown(p.client, SHUT_RDWR);
      ::shutdown(p.server, SHUT_RDWR);
    }
  }

 private:
  struct Pipe {
    int client;
    int server;
    std::thread thread;
  };

  void accept_loop() {
    while (!stopping_) {
      const int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) return;
      const int server = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
      if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      ++accepted_;
      std::lock_guard lock(mu_);
      pipes_.push_back({client, server, std::thread([client, server] { pump(client, server); })});
    }
  }

  static void pump(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buf[16384];
    for (;;) {
      if (::poll(fds, 2, -1) < 0) break;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const auto n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          done = true;
          break;
        }
        const int to = fds[1 - i].fd;
        ssize_t off = 0;
        while (off < n) {
          const auto w = ::write(to, buf + off, static_cast<std::size_t>(n - off));
          if (w <= 0) {
            done = true;
            break;
          }
          off += w;
        }
      }
      if (done) break;
    }
    ::shutdown(a, SHUT_RDWR);  // closed by the destructor, after the join
    ::shutdown(b, SHUT_RDWR);
  }

  std::string path_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<Pipe> pipes_;
};

}  // namespace rwd::docker::it
