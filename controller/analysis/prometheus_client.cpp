// Instant queries against the Prometheus HTTP API.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <utility>

#include "rewind/analysis/prometheus.hpp"
#include "rewind/http/url.hpp"

namespace rwd::analysis {
namespace {

using model::Error;

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16U) |
                       (static_cast<unsigned char>(in[i + 1]) << 8U) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18U) & 63U];
    out += kAlphabet[(n >> 12U) & 63U];
    out += kAlphabet[(n >> 6U) & 63U];
    out += kAlphabet[n & 63U];
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16U;
    if (i + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8U;
    out += kAlphabet[(n >> 18U) & 63U];
    out += kAlphabet[(n >> 12U) & 63U];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6U) & 63U] : '=';
    out += '=';
  }
  return out;
}

// http://user:pw@host:9090/p?x=1 -> http://host:9090/p?x=1, userinfo "user:pw".
std::string without_userinfo(std::string_view address, std::string& userinfo) {
  const auto sep = address.find("://");
  if (sep == std::string_view::npos) return std::string(address);
  const auto start = sep + 3;
  const auto end = std::min(address.size(), address.find_first_of("/?#", start));
  const auto at = address.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::string(address);
  userinfo = std::string(address.substr(start, at));
  return std::string(address.substr(0, start)) + std::string(address.substr(start + at + 1));
}

std::string timeout_param(std::chrono::milliseconds t) {
  return std::to_string(std::max<std::int64_t>(t.count(), 1)) + "ms";
}

}  // namespace

model::Result<PrometheusAddress> parse_prometheus_address(std::string_view address) {
  std::string userinfo;
  const std::string plain = without_userinfo(address, userinfo);
  auto url = http::parse_url(plain);  // its messages never hold the query or userinfo
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
  if (!userinfo.empty()) {
    std::string decoded;
    if (!http::percent_decode(userinfo, decoded)) {
      return Error::invalid_spec(
          "spec.analysis.prometheus.address: malformed %-escape in the credentials");
    }
    out.authorization = "Basic " + base64(decoded);
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
  request.target = address_.prefix + "/api/v1/query" +
                   http::query_string({{"query", std::string(promql)},
                                       {"timeout", timeout_param(timeout)}});
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
  if (!sample && response->status >= 500 &&
      sample.error().kind == model::ErrorKind::kTerminal) {
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
