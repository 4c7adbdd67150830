#pragma once
// WebhookNotifier: a bounded queue and one background thread that POSTs each
// event (event_json) to each webhook target, with Content-Type
// application/json, a timeout per attempt, and exponential backoff between
// attempts. It gives up with a warning after max_attempts (or at once on a
// 4xx other than 408 and 429: retrying will not change the answer). A full
// queue drops its oldest delivery with a warning. shutdown() (also the
// destructor) stops taking events and drains the queue for at most
// drain_timeout; what is left then is dropped with a warning.
//
// URLs may hold secrets: user:password@ (sent as HTTP Basic authentication,
// since rwd::http refuses credentials in URLs), tokens in the query or the
// path. Logs and errors show redact_url() of them only.
//
// The I/O edges are injected: WebhookSender (the HTTP POST) and Sleeper (the
// waits between attempts), so unit tests never touch the network or sleep.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"
#include "rewind/notify/notifier.hpp"

namespace rwd::notify {

struct WebhookOptions {
  std::size_t queue_capacity = 256;  // deliveries (event x target) waiting
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{1'000};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds attempt_timeout{10'000};
  std::chrono::milliseconds drain_timeout{5'000};
  http::TlsClientOptions tls;  // for https:// targets
};

// Fails (terminal) naming the option: attempts < 1, capacity 0, a timeout or
// backoff that is not positive, max_backoff < initial_backoff.
model::Status validate(const WebhookOptions& options);

// The wait after failed attempt `attempt` (1-based): initial_backoff *
// 2^(attempt-1), at most max_backoff.
std::chrono::milliseconds backoff_delay(int attempt, const WebhookOptions& options);

// One POST. Returns the HTTP status, or an error when no answer arrived
// within `timeout`. Errors must not carry the URL's secrets.
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual model::Result<int> post(const std::string& url, const std::string& json_body,
                                  std::chrono::milliseconds timeout) = 0;
};

// rwd::http::Client per endpoint (kept alive between deliveries).
std::unique_ptr<WebhookSender> make_http_sender(http::TlsClientOptions tls = {});

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Waits `d`; returns false early when `stop` is requested.
  virtual bool sleep_for(std::chrono::milliseconds d, std::stop_token stop) = 0;
};

std::unique_ptr<Sleeper> make_real_sleeper();

// One queued POST.
struct Delivery {
  std::string url;
  std::string body;
  std::string event_type;
  std::string release;  // "ns/name", for messages
};

// Bounded FIFO that drops its oldest entry when full. Not thread-safe.
class DeliveryQueue {
 public:
  explicit DeliveryQueue(std::size_t capacity) : capacity_(capacity) {}
  // Returns the delivery dropped to make room, if any.
  std::optional<Delivery> push(Delivery d);
  std::optional<Delivery> pop();
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] bool empty() const { return items_.empty(); }

 private:
  std::size_t capacity_;
  std::deque<Delivery> items_;
};

enum class DeliveryOutcome { kDelivered, kGaveUp, kStopped };

// Attempts `d` until it succeeds, attempts run out, or `stop` interrupts a
// wait. Logs (redacted) what happened.
DeliveryOutcome deliver(const Delivery& d, WebhookSender& sender, Sleeper& sleeper,
                        const WebhookOptions& options, std::stop_token stop);

class WebhookNotifier final : public Notifier {
 public:
  // Starts the background thread. Options must be valid (validate()).
  WebhookNotifier(WebhookOptions options, std::unique_ptr<WebhookSender> sender,
                  std::unique_ptr<Sleeper> sleeper);
  // With the real sender and sleeper.
  explicit WebhookNotifier(WebhookOptions options = {});
  ~WebhookNotifier() override;
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  void notify(const Event& event, const std::vector<model::NotifySpec>& targets) override;

  // Stops taking events and drains for at most drain_timeout. Idempotent.
  void shutdown();

  // Counters for tests and metrics.
  struct Stats {
    std::size_t delivered = 0;
    std::size_t gave_up = 0;
    std::size_t dropped = 0;  // queue overflow, refused after shutdown, left at shutdown
  };
  [[nodiscard]] Stats stats() const;
  [[nodiscard]] std::size_t pending() const;

 private:
  void run(std::stop_token stop);

  WebhookOptions options_;
  std::unique_ptr<WebhookSender> sender_;
  std::unique_ptr<Sleeper> sleeper_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  DeliveryQueue queue_;
  bool closed_ = false;
  bool busy_ = false;  // the thread is delivering one
  Stats stats_;
  std::jthread thread_;
};

}  // namespace rwd::notify
