#pragma once
// The OpenSSL context of a TLS client endpoint. Internal to controller/http.

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "rewind/http/endpoint.hpp"
#include "rewind/model/result.hpp"

namespace rwd::http::detail {

// TLS 1.2 or newer; verification of the peer as the options say; the CA,
// client certificate and key loaded from their files or PEM text. A file that
// cannot be loaded is a terminal error naming the file; PEM text that cannot
// be loaded is one giving its size. Neither ever shows the contents.
model::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(
    const TlsClientOptions& options);

// Sets SNI and the name (or IP address) the peer's certificate must carry on
// a new connection. Returns false when OpenSSL refuses the name.
bool prepare_tls_connection(SSL* ssl, const TlsClientOptions& options, const std::string& host);

}  // namespace rwd::http::detail
