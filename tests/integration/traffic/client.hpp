#pragma once
// The outside view of a Release behind nginx: a client that sends
// GET /version through nginx in a loop (every 3 ms), on a new connection
// each time, and keeps every answer with the time it came.
//
//   Client client(nginx.port());
//   ... change the Release ...
//   for (const auto& a : client.answers()) ...   // {at, status, body}

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "docker_env.hpp"

namespace rwd::itest {

using Clock = std::chrono::system_clock;

struct Answer {
  Clock::time_point at;
  int status = 0;
  std::string body;  // the version, trimmed
};

class Client {
 public:
  explicit Client(int port)
      : thread_([this, port](std::stop_token stop) {
          while (!stop.stop_requested()) {
            HttpResponse r = http_get(port, "/version");
            if (r.status == 0 && r.body.empty()) {
              // nginx closes a connection it accepted but had not read yet
              // when its worker is told to quit during a reload; HTTP
              // clients send an idempotent request again then, and so does
              // this one, once. Counted: retried().
              ++retried_;
              r = http_get(port, "/version");
            }
            {
              std::lock_guard lock(mu_);
              answers_.push_back({Clock::now(), r.status, trimmed(r.body)});
            }
            // A few hundred requests a second: each one is a new connection
            // (and one more from nginx to the backend, through docker-proxy),
            // and every closed one holds a loopback port in TIME_WAIT for a
            // minute; unpaced, the tests ran out of ports.
            std::this_thread::sleep_for(std::chrono::milliseconds(3));
          }
        }) {}
  std::vector<Answer> answers() {
    std::lock_guard lock(mu_);
    return answers_;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return answers_.size();
  }
  // Requests sent again after a connection closed with no answer at all.
  [[nodiscard]] int retried() const { return retried_.load(); }
  // The newest answer's version ("" before the first).
  std::string last() {
    std::lock_guard lock(mu_);
    return answers_.empty() ? "" : answers_.back().body;
  }

 private:
  std::mutex mu_;
  std::vector<Answer> answers_;
  std::atomic<int> retried_{0};
  std::jthread thread_;
};

inline std::size_t failures(const std::vector<Answer>& answers) {
  std::size_t n = 0;
  for (const auto& a : answers) n += a.status == 200 ? 0U : 1U;
  return n;
}

// The host port a container publishes its 8080 on ("" when none).
inline std::string host_port(const nlohmann::json& container) {
  const auto& b = container["NetworkSettings"]["Ports"]["8080/tcp"];
  return b.is_array() && !b.empty() ? b[0].value("HostPort", "") : "";
}

}  // namespace rwd::itest
