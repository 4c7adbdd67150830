// Instant queries against the Prometheus HTTP API.

#include <algorithm>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "rewind/analysis/prometheus.hpp"
#include "rewind/http/base64.hpp"
#include "rewind/http/url.hpp"

namespace rwd::analysis {
namespace {

using model::Error;

std::string timeout_param(std::chrono::milliseconds t) {
  return std::to_string(std::max<std::int64_t>(t.count(), 1)) + "ms";
}

}  // namespace

model::Result<PrometheusAddress> parse_prometheus_address(std::string_view address) {
  const auto split = http::split_credentials(address);
  if (!split) {
    return Error::invalid_spec(
        "spec.analysis.prometheus.address: malformed %-escape in the credentials");
  }
  auto url = http::parse_url(split->url);  // its messages never hold the query or userinfo
  if (!url) {
    return Error::invalid_spec("spec.analysis.prometheus.address: " + url.error().message);
  }
  PrometheusAddress out;
  out.endpoint = url->endpoint;
  std::string target = url->target;
  if (const auto q = target.find('?'); q != std::string::npos) {
    out.extra_params = target.substr(q + 1);
    target.resize(q);
  }
  while (!target.empty() && target.back() == '/') target.pop_back();
  out.prefix = target;
  if (split->userinfo && !split->userinfo->empty()) {
    out.authorization = http::basic_authorization(*split->userinfo);
  }
  const bool tls = out.endpoint.transport == http::Transport::kTls;
  out.shown = (tls ? "https://" : "http://") + out.endpoint.host_header() + out.prefix;
  return out;
}

PrometheusClient::PrometheusClient(std::unique_ptr<http::Client> client, PrometheusAddress address)
    : client_(std::move(client)), address_(std::move(address)) {}

model::Result<Sample> PrometheusClient::query(std::string_view promql,
                                              std::chrono::milliseconds timeout) {
  http::ClientRequest request;
  request.method = "GET";
  request.target =
      address_.prefix + "/api/v1/query" +
      http::query_string({{"query", std::string(promql)}, {"timeout", timeout_param(timeout)}});
  if (!address_.extra_params.empty()) request.target += "&" + address_.extra_params;
  request.headers.emplace_back("Accept", "application/json");
  if (!address_.authorization.empty()) {
    request.headers.emplace_back("Authorization", address_.authorization);
  }
  auto response = client_->request(request, timeout);
  if (!response) {
    spdlog::debug("analysis: prometheus {} did not answer: {}", address_.shown,
                  response.error().message);
    return Error::transient("prometheus " + address_.shown +
                            " did not answer: " + response.error().message);
  }
  // Errors of the query come with a JSON body (400, 422, 503); anything
  // else that is not 2xx is the server or a proxy in front of it.
  auto sample = parse_query_response(response->body);
  if (!sample && response->status >= 500 && sample.error().kind == model::ErrorKind::kTerminal) {
    return Error::transient("prometheus " + address_.shown + " answered HTTP " +
                            std::to_string(response->status));
  }
  if (!sample && !response->success() && sample.error().kind == model::ErrorKind::kTerminal) {
    return Error::terminal("prometheus " + address_.shown + " answered HTTP " +
                           std::to_string(response->status) + ": " + sample.error().message);
  }
  if (!sample) {
    return Error(sample.error().kind,
                 "prometheus " + address_.shown + ": " + sample.error().message,
                 sample.error().reason);
  }
  return sample;
}

model::Result<std::unique_ptr<PrometheusClient>> make_prometheus_client(std::string_view address) {
  auto parsed = parse_prometheus_address(address);
  if (!parsed) return parsed.error();
  http::ClientOptions options;
  options.limits.max_body_bytes = 4 * 1024 * 1024;  // one value; a runaway answer is refused
  auto client = http::make_client(parsed->endpoint, options);
  if (!client) return client.error();
  return std::make_unique<PrometheusClient>(std::move(client).value(), std::move(parsed).value());
}

}  // namespace rwd::analysis
