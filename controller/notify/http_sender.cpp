// The real WebhookSender (rwd::http::Client) and Sleeper.

#include <condition_variable>
#include <map>
#include <mutex>

#include "rewind/http/base64.hpp"
#include "rewind/http/client.hpp"
#include "rewind/http/url.hpp"
#include "rewind/notify/webhook.hpp"

namespace rwd::notify {
namespace {

using model::Error;

model::Result<http::UrlCredentials> split_userinfo(const std::string& url) {
  auto split = http::split_credentials(url);
  if (!split) {
    return Error::invalid_spec("webhook URL " + redact_url(url) +
                               ": malformed %-escape in its credentials");
  }
  return *split;
}

// Replaces the request path (which the client's errors name, and which may be
// the secret) with its redacted form.
std::string scrub(std::string message, const std::string& target, const std::string& shown) {
  const std::string path = target.substr(0, target.find('?'));
  if (path.size() > 1) {
    for (auto pos = message.find(path); pos != std::string::npos;
         pos = message.find(path, pos + shown.size())) {
      message.replace(pos, path.size(), shown);
    }
  }
  return message;
}

std::string shown_path(const std::string& url) {
  const std::string r = redact_url(url);
  const auto sep = r.find("://");
  const auto slash = r.find('/', sep + 3);
  if (slash == std::string::npos) return "/";
  return r.substr(slash, r.find('?', slash) - slash);
}

class HttpSender final : public WebhookSender {
 public:
  explicit HttpSender(http::TlsClientOptions tls) : tls_(std::move(tls)) {}

  model::Result<int> post(const std::string& url, const std::string& json_body,
                          std::chrono::milliseconds timeout) override {
    auto split = split_userinfo(url);
    if (!split) return split.error();
    auto parsed = http::parse_url(split->url);
    if (!parsed) {
      // The parser quotes the URL (path included); keep only what it found wrong.
      const std::string& m = parsed.error().message;
      const auto quoted = m.find("\": ");
      const std::string what =
          quoted == std::string::npos ? "not an http or https URL" : m.substr(quoted + 3);
      return Error(parsed.error().kind, "webhook URL " + redact_url(url) + ": " + what);
    }
    if (parsed->endpoint.transport == http::Transport::kUnix) {
      return Error::invalid_spec("webhook URL " + redact_url(url) + ": only http and https");
    }
    if (parsed->endpoint.transport == http::Transport::kTls) parsed->endpoint.tls = tls_;
    const std::string key = parsed->endpoint.str();
    auto it = clients_.find(key);
    if (it == clients_.end()) {
      auto client = http::make_client(parsed->endpoint);
      if (!client) return client.error();
      it = clients_.emplace(key, std::move(client.value())).first;
    }
    http::ClientRequest request;
    request.method = "POST";
    request.target = parsed->target;
    request.headers.emplace_back("Content-Type", "application/json");
    if (split->userinfo)
      request.headers.emplace_back("Authorization", http::basic_authorization(*split->userinfo));
    request.body = json_body;
    auto response = it->second->request(request, timeout);
    if (!response) {
      // A client that timed out may hold a half-used connection: start afresh.
      clients_.erase(it);
      return Error(response.error().kind,
                   scrub(response.error().message, parsed->target, shown_path(url)));
    }
    return response->status;
  }

 private:
  http::TlsClientOptions tls_;
  std::map<std::string, std::unique_ptr<http::Client>> clients_;
};

class RealSleeper final : public Sleeper {
 public:
  bool sleep_for(std::chrono::milliseconds d, std::stop_token stop) override {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
  }

 private:
  std::mutex mu_;
  std::condition_variable_any cv_;
};

}  // namespace

std::unique_ptr<WebhookSender> make_http_sender(http::TlsClientOptions tls) {
  return std::make_unique<HttpSender>(std::move(tls));
}

std::unique_ptr<Sleeper> make_real_sleeper() { return std::make_unique<RealSleeper>(); }

}  // namespace rwd::notify
