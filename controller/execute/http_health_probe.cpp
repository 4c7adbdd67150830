#include "rewind/execute/http_health_probe.hpp"

#include "rewind/http/client.hpp"
#include "rewind/http/endpoint.hpp"

namespace rwd::execute {

ProbeResult HttpHealthProbe::probe(const std::string& address, const model::HttpCheck& check,
                                   model::Duration timeout) {
  const std::string url = check.scheme + "://" + address;
  http::TlsClientOptions tls;
  tls.verify =
      false;  // a health endpoint on the service's own address; no trust decision rests on it
  auto endpoint =
      check.scheme == "https" ? http::parse_endpoint(url, tls) : http::parse_endpoint(url);
  if (!endpoint) return {false, 0, endpoint.error().message};
  auto client = http::make_client(*endpoint);
  if (!client) return {false, 0, client.error().message};
  http::ClientRequest req;
  req.target = check.path;
  auto resp =
      (*client)->request(req, std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  if (!resp) return {false, 0, resp.error().message};
  const bool ok = resp->status >= 200 && resp->status < 400;
  return {ok, resp->status, std::to_string(resp->status)};
}

}  // namespace rwd::execute
