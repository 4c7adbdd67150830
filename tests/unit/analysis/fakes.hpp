#pragma once
// In-memory stand-ins for the analysis module's I/O edges.

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rewind/analysis/provider.hpp"
#include "rewind/http/client.hpp"

namespace rwd::analysis::testing {

// Answers requests from a queue of canned results and remembers them.
struct FakeHttp {
  std::deque<model::Result<http::ClientResponse>> answers;
  std::vector<http::ClientRequest> requests;
  std::vector<std::chrono::milliseconds> timeouts;
  std::vector<http::Endpoint> endpoints;  // of every client made by factory()

  void answer(int status, std::string body) {
    http::ClientResponse r;
    r.status = status;
    r.body = std::move(body);
    answers.emplace_back(std::move(r));
  }
  void fail(model::Error e) { answers.emplace_back(std::move(e)); }

  class Client : public http::Client {
   public:
    Client(FakeHttp& fake, http::Endpoint ep) : fake_(fake), ep_(std::move(ep)) {}
    model::Result<http::ClientResponse> request(const http::ClientRequest& request,
                                                std::chrono::milliseconds timeout) override {
      fake_.requests.push_back(request);
      fake_.timeouts.push_back(timeout);
      if (fake_.answers.empty()) return model::Error::terminal("fake: no answer queued");
      auto a = std::move(fake_.answers.front());
      fake_.answers.pop_front();
      return a;
    }
    model::Result<http::StreamResult> stream(const http::ClientRequest& /*request*/,
                                             const http::StreamHandlers& /*handlers*/,
                                             std::chrono::milliseconds /*idle*/,
                                             std::stop_token /*stop*/) override {
      return model::Error::terminal("fake: no streams");
    }
    [[nodiscard]] const http::Endpoint& endpoint() const override { return ep_; }

   private:
    FakeHttp& fake_;
    http::Endpoint ep_;
  };

  std::unique_ptr<http::Client> client(http::Endpoint ep = {}) {
    return std::make_unique<Client>(*this, std::move(ep));
  }
  ClientFactory factory() {
    return [this](const http::Endpoint& ep) -> model::Result<std::unique_ptr<http::Client>> {
      endpoints.push_back(ep);
      return client(ep);
    };
  }
};

// A provider that answers from a table: metric name + subject label.
class TableProvider : public MetricProvider {
 public:
  void set(const std::string& metric, const std::string& label, Measurement m) {
    table_[{metric, label}] = std::move(m);
  }
  Measurement measure(const model::MetricSpec& metric, const Subject& subject,
                      model::Duration timeout) override {
    calls.emplace_back(metric.name, subject.label);
    timeouts.push_back(timeout);
    const auto it = table_.find({metric.name, subject.label});
    if (it == table_.end()) return Measurement::inconclusive("table: nothing for " + metric.name);
    return it->second;
  }
  std::vector<std::pair<std::string, std::string>> calls;
  std::vector<model::Duration> timeouts;

 private:
  std::map<std::pair<std::string, std::string>, Measurement> table_;
};

inline model::MetricSpec query_metric(std::string name, std::string fail_if,
                                      std::string warn_if = {}) {
  model::MetricSpec m;
  m.name = std::move(name);
  m.query = "q";
  if (!fail_if.empty()) m.fail_if = model::parse_threshold(fail_if);
  if (!warn_if.empty()) m.warn_if = model::parse_threshold(warn_if);
  return m;
}

}  // namespace rwd::analysis::testing
