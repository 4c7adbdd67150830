// OpenSSL client context and per-connection name checks.

#include "tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <string>

namespace rwd::http::detail {
namespace {

namespace ssl = boost::asio::ssl;

model::Error load_error(const char* what, const std::string& file,
                        const boost::system::error_code& ec) {
  return model::Error::terminal("TLS: cannot load " + std::string(what) + " \"" + file +
                                "\": " + ec.message());
}

}  // namespace

model::Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsClientOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return model::Error::terminal("TLS: cannot set options: " + ec.message());
  if (options.verify) {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (options.ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
      if (ec) return model::Error::terminal("TLS: no default trust store: " + ec.message());
    } else {
      ctx->load_verify_file(options.ca_file, ec);
      if (ec) return load_error("CA file", options.ca_file, ec);
    }
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    if (options.cert_file.empty() || options.key_file.empty()) {
      return model::Error::terminal("TLS: a client certificate needs both a cert and a key file");
    }
    ctx->use_certificate_chain_file(options.cert_file, ec);
    if (ec) return load_error("client certificate", options.cert_file, ec);
    ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) return load_error("client key", options.key_file, ec);
  }
  return ctx;
}

bool prepare_tls_connection(SSL* ssl_handle, const TlsClientOptions& options,
                            const std::string& host) {
  const std::string& name = options.server_name.empty() ? host : options.server_name;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(name, ec);
  const bool is_ip = !ec;
  // SSL_set_tlsext_host_name, without the macro's C cast.
  if (!is_ip && SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         const_cast<char*>(name.c_str())) != 1) {
    return false;
  }
  if (!options.verify) return true;
  if (is_ip) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    return X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str()) == 1;
  }
  return SSL_set1_host(ssl_handle, name.c_str()) == 1;
}

}  // namespace rwd::http::detail
