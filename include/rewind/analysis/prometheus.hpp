#pragma once
// The Prometheus HTTP API as an analysis provider: one instant query
// (GET /api/v1/query) that must come back as a scalar or a one-element
// vector.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rewind/http/client.hpp"
#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"

namespace rwd::analysis {

// One value of a query. value is nullopt when the answer says nothing
// (inconclusive): an empty vector, NaN or an infinity; detail says which.
// With a value, detail names the series ("{code="500"}", "scalar").
struct Sample {
  std::optional<double> value;
  std::string detail;
};

// Reads the body of /api/v1/query. Errors (terminal unless said otherwise):
//  - not JSON, or not the API's envelope (the start of the input is quoted);
//  - status "error": errorType and error in the message; kInvalidSpec for
//    bad_data and execution (the query itself is wrong), kTransient else;
//  - a vector of more than one series (the query must aggregate);
//  - a matrix or string result.
// Never throws, whatever the input.
model::Result<Sample> parse_query_response(std::string_view json);

// Where Prometheus answers: http(s)://[user:password@]host[:port][/prefix].
// Credentials become an Authorization header and are never shown.
struct PrometheusAddress {
  http::Endpoint endpoint;
  std::string prefix;         // "" or "/prefix", no trailing '/'
  std::string extra_params;   // a query string of the address, without '?'
  std::string authorization;  // "Basic ..." or ""
  std::string shown;          // for messages: scheme://host:port/prefix, no userinfo, no query
};
model::Result<PrometheusAddress> parse_prometheus_address(std::string_view address);

class PrometheusClient {
 public:
  // client talks to address.endpoint (an in-memory one in unit tests).
  PrometheusClient(std::unique_ptr<http::Client> client, PrometheusAddress address);

  // Runs an instant query; the timeout covers the whole exchange and is also
  // passed to Prometheus. Connection problems and 5xx answers are transient.
  model::Result<Sample> query(std::string_view promql, std::chrono::milliseconds timeout);

  [[nodiscard]] const PrometheusAddress& address() const { return address_; }

 private:
  std::unique_ptr<http::Client> client_;
  PrometheusAddress address_;
};

// A client for spec.analysis.prometheus.address (kInvalidSpec when the
// address is not usable).
model::Result<std::unique_ptr<PrometheusClient>> make_prometheus_client(std::string_view address);

}  // namespace rwd::analysis
