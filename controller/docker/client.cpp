// rwd::docker::Client: version negotiation and the container calls.

#include "rewind/docker/client.hpp"

#include <optional>

#include "rewind/docker/parse.hpp"
#include "rewind/http/url.hpp"

#include "client_internal.hpp"

namespace rwd::docker {
namespace {

using detail::describe;
using detail::empty;
using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

model::Result<ApiVersion> negotiate_api_version(const VersionInfo& engine) {
  const ApiVersion chosen = std::min(engine.api_version, kMaximumApiVersion);
  if (chosen < kMinimumApiVersion) {
    return model::Error::terminal("Docker Engine " + engine.version + " speaks API " +
                                  engine.api_version.str() + "; rewind needs at least " +
                                  kMinimumApiVersion.str() + " (Engine 20.10)");
  }
  if (engine.min_api_version && chosen < *engine.min_api_version) {
    return model::Error::terminal("Docker Engine " + engine.version + " needs API " +
                                  engine.min_api_version->str() + " or newer; rewind speaks " +
                                  kMinimumApiVersion.str() + " to " + kMaximumApiVersion.str());
  }
  return chosen;
}

ApiError response_error(const std::string& what, const http::ClientResponse& response) {
  std::string message =
      what + ": " + std::to_string(response.status) + " " + parse_error_message(response.body);
  if (response.status >= 500) return {model::Error::transient(std::move(message)), response.status};
  return {model::Error::terminal(std::move(message)), response.status};
}

Client::Client(std::unique_ptr<http::Client> http, ClientOptions options, VersionInfo engine,
               ApiVersion version)
    : http_(std::move(http)),
      options_(std::move(options)),
      engine_(std::move(engine)),
      version_(version) {}

ApiResult<std::unique_ptr<Client>> Client::connect(std::unique_ptr<http::Client> http,
                                                   ClientOptions options) {
  http::ClientRequest request;
  request.target = "/version";
  auto response = http->request(request, options.timeout);
  if (!response) return response.error();
  if (!response->success()) {
    return response_error(describe("GET", "/version", http->endpoint()), *response);
  }
  auto engine = parse_version(response->body);
  if (!engine) return engine.error();
  auto version = negotiate_api_version(*engine);
  if (!version) return version.error();
  return std::unique_ptr<Client>(
      new Client(std::move(http), std::move(options), std::move(*engine), *version));
}

std::string Client::path(const std::string& api_path) const {
  return "/v" + version_.str() + api_path;
}

ApiResult<http::ClientResponse> Client::call(const std::string& method, const std::string& target,
                                             const std::string& body,
                                             std::chrono::milliseconds timeout) {
  http::ClientRequest request;
  request.method = method;
  request.target = path(target);
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  auto response = http_->request(request, timeout);
  if (!response) return response.error();
  return std::move(response.value());
}

ApiResult<std::vector<ContainerSummary>> Client::list_containers(
    const std::vector<std::string>& labels, bool all) {
  std::vector<std::pair<std::string, std::string>> query;
  if (all) query.emplace_back("all", "true");
  if (!labels.empty()) query.emplace_back("filters", dump(json{{"label", labels}}));
  const std::string target = "/containers/json" + http::query_string(query);
  auto r = call("GET", target, "", options_.timeout);
  if (!r) return r.error();
  if (!r->success()) return response_error(describe("GET", path(target), endpoint()), *r);
  auto list = parse_container_list(r->body);
  if (!list) return list.error();
  return std::move(list.value());
}

ApiResult<ContainerInspect> Client::inspect_container(const std::string& id) {
  if (auto e = empty("container id", id)) return *e;
  const std::string target = "/containers/" + http::percent_encode(id) + "/json";
  auto r = call("GET", target, "", options_.timeout);
  if (!r) return r.error();
  if (!r->success()) return response_error(describe("GET", path(target), endpoint()), *r);
  auto c = parse_container_inspect(r->body);
  if (!c) return c.error();
  return std::move(c.value());
}

ApiResult<std::string> Client::create_container(const json& body, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> query;
  if (!name.empty()) query.emplace_back("name", name);
  const std::string target = "/containers/create" + http::query_string(query);
  auto r = call("POST", target, dump(body), options_.timeout);
  if (!r) return r.error();
  if (!r->success()) return response_error(describe("POST", path(target), endpoint()), *r);
  auto id = parse_create_response(r->body);
  if (!id) return id.error();
  return std::move(id.value());
}

ApiStatus Client::start_container(const std::string& id) {
  if (auto e = empty("container id", id)) return *e;
  const std::string target = "/containers/" + http::percent_encode(id) + "/start";
  auto r = call("POST", target, "", options_.timeout);
  if (!r) return r.error();
  if (r->status == 304) return {};  // already running
  if (!r->success()) return response_error(describe("POST", path(target), endpoint()), *r);
  return {};
}

ApiStatus Client::stop_container(const std::string& id, std::chrono::seconds grace) {
  if (auto e = empty("container id", id)) return *e;
  const std::string target = "/containers/" + http::percent_encode(id) + "/stop" +
                             http::query_string({{"t", std::to_string(grace.count())}});
  // The Engine answers after the grace period at the latest (then it kills).
  auto r = call("POST", target, "", options_.timeout + grace);
  if (!r) return r.error();
  if (r->status == 304) return {};  // already stopped
  if (!r->success()) return response_error(describe("POST", path(target), endpoint()), *r);
  return {};
}

ApiStatus Client::rename_container(const std::string& id, const std::string& name) {
  if (auto e = empty("container id", id)) return *e;
  const std::string target =
      "/containers/" + http::percent_encode(id) + "/rename" + http::query_string({{"name", name}});
  auto r = call("POST", target, "", options_.timeout);
  if (!r) return r.error();
  if (!r->success()) return response_error(describe("POST", path(target), endpoint()), *r);
  return {};
}

ApiStatus Client::remove_container(const std::string& id, bool force, bool remove_volumes) {
  if (auto e = empty("container id", id)) return *e;
  const std::string target = "/containers/" + http::percent_encode(id) +
                             http::query_string({{"force", force ? "true" : "false"},
                                                 {"v", remove_volumes ? "true" : "false"}});
  auto r = call("DELETE", target, "", options_.timeout);
  if (!r) return r.error();
  if (!r->success()) return response_error(describe("DELETE", path(target), endpoint()), *r);
  return {};
}

ApiStatus Client::connect_network(const std::string& network, const std::string& container,
                                  const json& endpoint_config) {
  if (auto e = empty("network name", network)) return *e;
  const std::string target = "/networks/" + http::percent_encode(network) + "/connect";
  json body{{"Container", container}};
  if (!endpoint_config.is_null()) body["EndpointConfig"] = endpoint_config;
  auto r = call("POST", target, dump(body), options_.timeout);
  if (!r) return r.error();
  if (!r->success()) return response_error(describe("POST", path(target), endpoint()), *r);
  return {};
}

}  // namespace rwd::docker
