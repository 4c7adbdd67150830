// WebhookNotifier: the queue, the retries and the background thread.

#include "rewind/notify/webhook.hpp"

#include <spdlog/spdlog.h>

namespace rwd::notify {
namespace {

using model::Error;
using Clock = std::chrono::steady_clock;

bool retryable_status(int status) {
  return status >= 500 || status == 408 || status == 429 || status < 200;
}

}  // namespace

model::Status validate(const WebhookOptions& o) {
  const auto bad = [](const std::string& what) {
    return Error::terminal("webhook options: " + what);
  };
  if (o.queue_capacity == 0) return bad("queue capacity must be at least 1");
  if (o.max_attempts < 1) {
    return bad("max attempts " + std::to_string(o.max_attempts) + " (allowed: 1 or more)");
  }
  if (o.initial_backoff.count() <= 0) return bad("initial backoff must be positive");
  if (o.max_backoff < o.initial_backoff) {
    return bad("max backoff " + model::format_duration(o.max_backoff) +
               " is below the initial backoff " + model::format_duration(o.initial_backoff));
  }
  if (o.attempt_timeout.count() <= 0) return bad("attempt timeout must be positive");
  if (o.drain_timeout.count() < 0) return bad("drain timeout must not be negative");
  return {};
}

std::chrono::milliseconds backoff_delay(int attempt, const WebhookOptions& options) {
  auto delay = options.initial_backoff;
  for (int i = 1; i < attempt && delay < options.max_backoff; ++i) delay *= 2;
  return std::min(delay, options.max_backoff);
}

std::optional<Delivery> DeliveryQueue::push(Delivery d) {
  std::optional<Delivery> dropped;
  if (items_.size() >= capacity_) {
    dropped = std::move(items_.front());
    items_.pop_front();
  }
  items_.push_back(std::move(d));
  return dropped;
}

std::optional<Delivery> DeliveryQueue::pop() {
  if (items_.empty()) return std::nullopt;
  Delivery d = std::move(items_.front());
  items_.pop_front();
  return d;
}

DeliveryOutcome deliver(const Delivery& d, WebhookSender& sender, Sleeper& sleeper,
                        const WebhookOptions& options, std::stop_token stop) {
  const std::string where = redact_url(d.url);
  std::string last;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    auto r = sender.post(d.url, d.body, options.attempt_timeout);
    if (r && *r >= 200 && *r < 300) {
      spdlog::debug("notify: {} of {} delivered to {} (attempt {})", d.event_type, d.release, where,
                    attempt);
      return DeliveryOutcome::kDelivered;
    }
    last = r ? "HTTP " + std::to_string(*r) : r.error().message;
    if (r && !retryable_status(*r)) {
      spdlog::warn(
          "notify: giving up on {} of {} to {}: {} (not retried: the answer will not "
          "change)",
          d.event_type, d.release, where, last);
      return DeliveryOutcome::kGaveUp;
    }
    if (attempt == options.max_attempts) break;
    const auto delay = backoff_delay(attempt, options);
    spdlog::info("notify: {} of {} to {} failed (attempt {}/{}): {}; next try in {}", d.event_type,
                 d.release, where, attempt, options.max_attempts, last,
                 model::format_duration(delay));
    if (!sleeper.sleep_for(delay, stop)) return DeliveryOutcome::kStopped;
  }
  spdlog::warn("notify: giving up on {} of {} to {} after {} attempts: {}", d.event_type, d.release,
               where, options.max_attempts, last);
  return DeliveryOutcome::kGaveUp;
}

WebhookNotifier::WebhookNotifier(WebhookOptions options, std::unique_ptr<WebhookSender> sender,
                                 std::unique_ptr<Sleeper> sleeper)
    : options_(std::move(options)),
      sender_(std::move(sender)),
      sleeper_(std::move(sleeper)),
      queue_(options_.queue_capacity == 0 ? 1 : options_.queue_capacity) {
  thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

WebhookNotifier::WebhookNotifier(WebhookOptions options)
    : WebhookNotifier(options, make_http_sender(options.tls), make_real_sleeper()) {}

WebhookNotifier::~WebhookNotifier() { shutdown(); }

void WebhookNotifier::notify(const Event& event, const std::vector<model::NotifySpec>& targets) {
  std::string body;
  for (const auto& target : targets) {
    if (!target.webhook) continue;
    if (body.empty()) body = event_json(event).dump();
    std::optional<Delivery> dropped;
    {
      std::lock_guard lock(mu_);
      if (closed_) {
        ++stats_.dropped;
        spdlog::warn("notify: {} of {} to {} dropped: the notifier is shutting down", event.type,
                     event.release.str(), redact_url(target.webhook->url));
        continue;
      }
      dropped = queue_.push({target.webhook->url, body, event.type, event.release.str()});
      if (dropped) ++stats_.dropped;
    }
    cv_.notify_all();
    if (dropped) {
      spdlog::warn("notify: queue full ({} waiting); dropped the oldest: {} of {} to {}",
                   options_.queue_capacity, dropped->event_type, dropped->release,
                   redact_url(dropped->url));
    }
  }
}

void WebhookNotifier::run(std::stop_token stop) {
  for (;;) {
    Delivery d;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [&] { return !queue_.empty() || closed_; });
      if (stop.stop_requested()) return;
      auto next = queue_.pop();
      if (!next) {
        if (closed_) return;
        continue;
      }
      d = std::move(*next);
      busy_ = true;
    }
    const auto outcome = deliver(d, *sender_, *sleeper_, options_, stop);
    {
      std::lock_guard lock(mu_);
      busy_ = false;
      if (outcome == DeliveryOutcome::kDelivered) ++stats_.delivered;
      if (outcome == DeliveryOutcome::kGaveUp) ++stats_.gave_up;
      if (outcome == DeliveryOutcome::kStopped) {
        ++stats_.dropped;
        spdlog::warn("notify: {} of {} to {} dropped at shutdown (it was being retried)",
                     d.event_type, d.release, redact_url(d.url));
      }
    }
    cv_.notify_all();
  }
}

void WebhookNotifier::shutdown() {
  {
    std::unique_lock lock(mu_);
    if (!thread_.joinable()) return;
    closed_ = true;
    cv_.notify_all();
    const auto deadline = Clock::now() + options_.drain_timeout;
    cv_.wait_until(lock, deadline, [&] { return queue_.empty() && !busy_; });
    const std::size_t left = queue_.size();
    if (left > 0) {
      stats_.dropped += left;
      spdlog::warn("notify: {} notification(s) not sent: still queued after draining for {}", left,
                   model::format_duration(options_.drain_timeout));
      while (queue_.pop()) {
      }
    }
  }
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

WebhookNotifier::Stats WebhookNotifier::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::size_t WebhookNotifier::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + (busy_ ? 1U : 0U);
}

}  // namespace rwd::notify
