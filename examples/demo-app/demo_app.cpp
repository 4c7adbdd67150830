// rewind demo app: a tiny HTTP/1.1 service to roll forward and back.
//
// Plain C++20 and POSIX sockets, no libraries: it links -static into one
// binary that runs in an otherwise empty image. See README.md for the
// endpoints and the environment variables that shape its behaviour.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::size_t kMaxBody = 1024 * 1024;
constexpr int kIdleTimeoutMs = 30'000;
constexpr int kMaxConnections = 256;
constexpr std::array<double, 11> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct Config {
  std::string version = "unknown";
  std::uint16_t port = 8080;
  bool healthy = true;
  std::optional<double> unhealthy_after_s;
  double error_rate = 0;
  long latency_ms = 0;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "demo-app: %s\n", message.c_str());
  std::exit(2);
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

double env_number(const char* name, double lo, double hi, double fallback) {
  const char* v = env(name);
  if (v == nullptr) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end != '\0' || !(d >= lo && d <= hi)) {
    die(std::string(name) + "=" + v + ": expected a number within " + std::to_string(lo) + ".." +
        std::to_string(hi));
  }
  return d;
}

std::uint16_t parse_port(const char* text, const char* what) {
  char* end = nullptr;
  const long p = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || p < 1 || p > 65535) {
    die(std::string(what) + "=" + text + ": expected a port number 1..65535");
  }
  return static_cast<std::uint16_t>(p);
}

Config load_config() {
  Config c;
  if (const char* v = env("DEMO_VERSION")) c.version = v;
  if (const char* v = env("DEMO_PORT")) c.port = parse_port(v, "DEMO_PORT");
  if (const char* v = env("DEMO_HEALTHY")) {
    const std::string_view s(v);
    if (s == "true" || s == "1") {
      c.healthy = true;
    } else if (s == "false" || s == "0") {
      c.healthy = false;
    } else {
      die(std::string("DEMO_HEALTHY=") + v + ": expected true or false");
    }
  }
  if (env("DEMO_UNHEALTHY_AFTER") != nullptr) {
    c.unhealthy_after_s = env_number("DEMO_UNHEALTHY_AFTER", 0, 1e9, 0);
  }
  c.error_rate = env_number("DEMO_ERROR_RATE", 0, 1, 0);
  c.latency_ms = std::lround(env_number("DEMO_LATENCY_MS", 0, 600'000, 0));
  return c;
}

// ---- state shared by the connection threads -------------------------------
class Stats {
 public:
  void record(int code, double seconds) {
    const std::lock_guard lock(mu_);
    ++by_code_[code];
    sum_ += seconds;
    ++count_;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      if (seconds <= kBuckets[i]) ++buckets_[i];
    }
  }

  [[nodiscard]] std::string render(const Config& c, bool healthy) const {
    const std::lock_guard lock(mu_);
    std::string out;
    out += "# HELP http_requests_total Requests served, by status code (not /health, /metrics).\n";
    out += "# TYPE http_requests_total counter\n";
    std::map<int, std::uint64_t> codes = by_code_;
    codes.try_emplace(200, 0);
    codes.try_emplace(500, 0);
    for (const auto& [code, n] : codes) {
      out +=
          "http_requests_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP http_request_duration_seconds Time to answer a request.\n";
    out += "# TYPE http_request_duration_seconds histogram\n";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      out += "http_request_duration_seconds_bucket{le=\"" + std::string(le) + "\"} " +
             std::to_string(buckets_[i]) + "\n";
    }
    out += "http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f", sum_);
    out += "http_request_duration_seconds_sum " + std::string(sum) + "\n";
    out += "http_request_duration_seconds_count " + std::to_string(count_) + "\n";
    out += "# HELP demo_healthy 1 when /health answers 200.\n# TYPE demo_healthy gauge\n";
    out += std::string("demo_healthy ") + (healthy ? "1" : "0") + "\n";
    out += "# HELP demo_info The running version.\n# TYPE demo_info gauge\n";
    out += "demo_info{version=\"" + c.version + "\"} 1\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<int, std::uint64_t> by_code_;
  std::array<std::uint64_t, kBuckets.size()> buckets_{};
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

struct Server {
  Config config;
  Clock::time_point started = Clock::now();
  Stats stats;
  std::atomic<std::uint64_t> served{0};  // requests to "/", for the error fraction
  std::atomic<int> connections{0};
  std::atomic<int> in_flight{0};
  std::mutex mu;
  std::condition_variable idle;

  [[nodiscard]] bool healthy() const {
    if (!config.healthy) return false;
    if (!config.unhealthy_after_s) return true;
    const std::chrono::duration<double> up = Clock::now() - started;
    return up.count() < *config.unhealthy_after_s;
  }
  // Exactly `error_rate` of the requests fail, spread evenly: the n-th fails
  // when floor(n * rate) steps up.
  bool next_fails() {
    const std::uint64_t n = served.fetch_add(1) + 1;
    const double r = config.error_rate;
    return std::floor(static_cast<double>(n) * r) > std::floor(static_cast<double>(n - 1) * r);
  }
};

// ---- HTTP ------------------------------------------------------------------
struct Request {
  std::string method;
  std::string path;
  bool keep_alive = true;
  std::size_t content_length = 0;
};

struct Response {
  int code = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  std::string extra_headers;
};

Response text(int code, std::string body) {
  Response r;
  r.code = code;
  r.body = std::move(body);
  return r;
}

const char* reason(int code) {
  switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<Request> parse_head(std::string_view head) {
  Request r;
  const auto eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return std::nullopt;
  r.method = std::string(line.substr(0, sp1));
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (target.empty() || (version != "HTTP/1.1" && version != "HTTP/1.0")) return std::nullopt;
  r.path = std::string(target.substr(0, target.find('?')));
  r.keep_alive = version == "HTTP/1.1";
  std::string_view rest = eol == std::string_view::npos ? "" : head.substr(eol + 2);
  while (!rest.empty()) {
    const auto e = rest.find("\r\n");
    const std::string_view h = rest.substr(0, e);
    rest = e == std::string_view::npos ? "" : rest.substr(e + 2);
    const auto colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(h.substr(0, colon));
    const std::string_view value = trim(h.substr(colon + 1));
    if (iequals(name, "connection")) {
      if (iequals(value, "close")) r.keep_alive = false;
      if (iequals(value, "keep-alive")) r.keep_alive = true;
    } else if (iequals(name, "content-length")) {
      char* end = nullptr;
      const std::string v(value);
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0') return std::nullopt;
      r.content_length = static_cast<std::size_t>(n);
    } else if (iequals(name, "transfer-encoding")) {
      return std::nullopt;  // no request bodies here
    }
  }
  return r;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool send_response(int fd, const Response& res, bool head_only, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(res.code) + " " + reason(res.code) + "\r\n";
  out += "Content-Type: " + res.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
  out += res.extra_headers;
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_only) out += res.body;
  return send_all(fd, out);
}

Response route(Server& s, const Request& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    Response r = text(405, "method not allowed\n");
    r.extra_headers = "Allow: GET, HEAD\r\n";
    return r;
  }
  if (req.path == "/health") {
    return s.healthy() ? text(200, "ok\n") : text(503, "unhealthy\n");
  }
  if (req.path == "/metrics") {
    Response r = text(200, s.stats.render(s.config, s.healthy()));
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  // Application requests: counted, delayed, and some fail on purpose.
  const auto start = Clock::now();
  if (s.config.latency_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(s.config.latency_ms));
  }
  Response res;
  if (req.path == "/version") {
    res = text(200, s.config.version + "\n");
  } else if (req.path == "/") {
    res = s.next_fails() ? text(500, "injected error\n")
                         : text(200, "hello from demo-app " + s.config.version + "\n");
  } else {
    res = text(404, "not found\n");
  }
  s.stats.record(res.code, std::chrono::duration<double>(Clock::now() - start).count());
  return res;
}

// Reads until the end of the head; false on EOF, timeout, error or a head
// that is too large (then *too_large is set).
bool read_head(int fd, std::string& buf, std::size_t& head_end, bool* too_large) {
  for (;;) {
    head_end = buf.find("\r\n\r\n");
    if (head_end != std::string::npos && head_end <= kMaxHead) return true;
    if (head_end != std::string::npos || buf.size() > kMaxHead) {
      *too_large = true;
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kIdleTimeoutMs) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

void serve_connection(Server& s, int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string buf;
  for (;;) {
    std::size_t head_end = 0;
    bool too_large = false;
    if (!read_head(fd, buf, head_end, &too_large)) {
      if (too_large) send_response(fd, text(431, "request head too large\n"), false, false);
      break;
    }
    const auto req = parse_head(std::string_view(buf).substr(0, head_end));
    if (!req) {
      send_response(fd, text(400, "bad request\n"), false, false);
      break;
    }
    if (req->content_length > kMaxBody) {
      send_response(fd, text(413, "request body too large\n"), false, false);
      break;
    }
    // Skip the body, if any.
    std::size_t need = head_end + 4 + req->content_length;
    while (buf.size() < need) {
      pollfd p{fd, POLLIN, 0};
      char chunk[4096];
      ssize_t n = 0;
      if (::poll(&p, 1, kIdleTimeoutMs) <= 0 || (n = ::recv(fd, chunk, sizeof chunk, 0)) <= 0) {
        need = 0;
        break;
      }
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    if (need == 0) break;
    buf.erase(0, need);
    s.in_flight.fetch_add(1);
    const Response res = route(s, *req);
    const bool sent = send_response(fd, res, req->method == "HEAD", req->keep_alive);
    if (s.in_flight.fetch_sub(1) == 1) s.idle.notify_all();
    if (!sent || !req->keep_alive) break;
  }
  ::close(fd);
  s.connections.fetch_sub(1);
}

// ---- signals: a self-pipe the accept loop polls -----------------------------
int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
  const unsigned char b = static_cast<unsigned char>(sig);
  const int saved = errno;
  (void)!::write(g_signal_pipe[1], &b, 1);
  errno = saved;
}

int listen_on(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    die("bind 0.0.0.0:" + std::to_string(port) + ": " + std::strerror(errno));
  }
  if (::listen(fd, 128) != 0) die(std::string("listen: ") + std::strerror(errno));
  return fd;
}

int serve(const Config& config) {
  Server s;
  s.config = config;
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe2 failed");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const int lfd = listen_on(config.port);
  const std::string after =
      config.unhealthy_after_s ? std::to_string(*config.unhealthy_after_s) + "s" : "never";
  std::printf(
      "demo-app %s listening on :%u (healthy=%s unhealthyAfter=%s errorRate=%g latency=%ldms)\n",
      config.version.c_str(), config.port, config.healthy ? "true" : "false", after.c_str(),
      config.error_rate, config.latency_ms);
  std::fflush(stdout);

  int sig = 0;
  while (sig == 0) {
    std::array<pollfd, 2> fds{{{lfd, POLLIN, 0}, {g_signal_pipe[0], POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      die(std::string("poll: ") + std::strerror(errno));
    }
    if ((fds[1].revents & POLLIN) != 0) {
      unsigned char b = 0;
      if (::read(g_signal_pipe[0], &b, 1) == 1) sig = b;
      continue;
    }
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (cfd < 0) continue;
    if (s.connections.load() >= kMaxConnections) {
      send_response(cfd, text(503, "too many connections\n"), false, false);
      ::close(cfd);
      continue;
    }
    s.connections.fetch_add(1);
    std::thread([&s, cfd] { serve_connection(s, cfd); }).detach();
  }

  // Stop accepting at once; let requests being answered finish (bounded).
  ::close(lfd);
  std::printf("demo-app: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  {
    std::unique_lock lock(s.mu);
    s.idle.wait_for(lock, std::chrono::seconds(2), [&] { return s.in_flight.load() == 0; });
  }
  std::fflush(stdout);
  ::_exit(0);  // idle keep-alive connections die with the process
}

// `demo-app --check [port]`: 0 when http://127.0.0.1:<port>/health answers 200.
int check(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 1;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::printf("unhealthy: connect 127.0.0.1:%u: %s\n", port, std::strerror(errno));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  if (!send_all(fd, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) {
    std::printf("unhealthy: send: %s\n", std::strerror(errno));
    return 1;
  }
  std::string reply;
  char chunk[512];
  ssize_t n = 0;
  while (reply.find("\r\n") == std::string::npos && (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) {
    reply.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::string status = reply.substr(0, reply.find("\r\n"));
  const bool ok = status.rfind("HTTP/1.1 200 ", 0) == 0 || status.rfind("HTTP/1.0 200 ", 0) == 0;
  std::printf("%s: %s\n", ok ? "healthy" : "unhealthy",
              status.empty() ? "no answer" : status.c_str());
  return ok ? 0 : 1;
}

constexpr const char* kUsage = R"(usage:
  demo-app                 serve HTTP (configured by the environment)
  demo-app --check [PORT]  exit 0 when http://127.0.0.1:PORT/health answers 200
  demo-app --version

GET /health   200 "ok", or 503 when unhealthy
GET /version  DEMO_VERSION
GET /metrics  Prometheus text format
GET /         200, or 500 for DEMO_ERROR_RATE of the requests

DEMO_VERSION (unknown)  DEMO_PORT (8080)  DEMO_HEALTHY (true|false)
DEMO_UNHEALTHY_AFTER (seconds)  DEMO_ERROR_RATE (0..1)  DEMO_LATENCY_MS (0)
)";

}  // namespace

int main(int argc, char** argv) {
  const std::string_view arg = argc > 1 ? argv[1] : "";
  if (arg == "--check") {
    const char* port = argc > 2 ? argv[2] : env("DEMO_PORT");
    return check(port != nullptr ? parse_port(port, "port") : 8080);
  }
  if (arg == "--version") {
    std::printf("%s\n", env("DEMO_VERSION") != nullptr ? env("DEMO_VERSION") : "unknown");
    return 0;
  }
  if (arg == "--help" || arg == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!arg.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return serve(load_config());
}
