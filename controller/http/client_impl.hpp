#pragma once
// The Beast implementation of rwd::http::Client. Internal to controller/http.

#include <memory>
#include <optional>
#include <string>

#include <boost/beast/http.hpp>

#include "rewind/http/client.hpp"

#include "client_connection.hpp"

namespace rwd::http::detail {

using BeastRequest = beast::http::request<beast::http::string_body>;

class BeastClient final : public Client {
 public:
  BeastClient(Endpoint endpoint, ClientOptions options, std::shared_ptr<net::ssl::context> ssl);
  ~BeastClient() override;
  BeastClient(const BeastClient&) = delete;
  BeastClient& operator=(const BeastClient&) = delete;

  model::Result<ClientResponse> request(const ClientRequest& request,
                                        std::chrono::milliseconds timeout) override;
  using Client::stream;
  model::Result<StreamResult> stream(const ClientRequest& request, const StreamHandlers& handlers,
                                     std::chrono::milliseconds idle_timeout,
                                     std::stop_token stop) override;
  [[nodiscard]] const Endpoint& endpoint() const override { return endpoint_; }

 private:
  struct Exchange;
  Exchange exchange(Connection& conn, const BeastRequest& request, bool head,
                    Clock::time_point deadline);
  [[nodiscard]] BeastRequest build(const ClientRequest& request) const;
  [[nodiscard]] std::string describe(const ClientRequest& request) const;

  Endpoint endpoint_;
  ClientOptions options_;
  std::shared_ptr<net::ssl::context> ssl_;
  net::io_context ioc_;
  std::unique_ptr<Connection> idle_;  // kept alive between requests
};

// An error when the request cannot be sent as it is: a method that is not a
// token, a target with spaces or control characters, a header that would
// split into two (CR, LF).
std::optional<model::Error> check_request(const ClientRequest& request, const std::string& what);

// Copies status and header fields of a Beast response header.
template <class Fields>
void copy_head(const beast::http::response_header<Fields>& in, ClientResponse& out) {
  out.status = static_cast<int>(in.result_int());
  for (const auto& field : in) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
}

}  // namespace rwd::http::detail
