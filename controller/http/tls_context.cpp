// OpenSSL client context and per-connection name checks.

#include "tls_context.hpp"

#include <cstddef>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace rwd::http::detail {
namespace {

namespace ssl = boost::asio::ssl;

model::Error load_error(const char* what, const std::string& file,
                        const boost::system::error_code& ec) {
  return model::Error::terminal("TLS: cannot load " + std::string(what) + " \"" + file +
                                "\": " + ec.message());
}

// PEM text held in memory: the message gives its size, never its contents.
model::Error data_error(const char* what, const std::string& pem,
                        const boost::system::error_code& ec) {
  return model::Error::terminal("TLS: cannot load " + std::string(what) + " data (PEM in memory, " +
                                std::to_string(pem.size()) + " bytes): " + ec.message());
}

boost::asio::const_buffer buffer_of(const std::string& pem) {
  return boost::asio::buffer(pem.data(), pem.size());
}

// The CA: from ca_file, else from ca_pem, else the system's trust store.
model::Status load_certificate_authority(ssl::context& ctx, const TlsClientOptions& options) {
  boost::system::error_code ec;
  if (!options.ca_file.empty()) {
    ctx.load_verify_file(options.ca_file, ec);
    if (ec) return load_error("CA file", options.ca_file, ec);
  } else if (!options.ca_pem.empty()) {
    ctx.add_certificate_authority(buffer_of(options.ca_pem), ec);
    if (ec) return data_error("CA", options.ca_pem, ec);
  } else {
    ctx.set_default_verify_paths(ec);
    if (ec) return model::Error::terminal("TLS: no default trust store: " + ec.message());
  }
  return {};
}

// The client certificate and key, each from its file or else its PEM text.
model::Status load_client_certificate(ssl::context& ctx, const TlsClientOptions& options) {
  const bool has_cert = !options.cert_file.empty() || !options.cert_pem.empty();
  const bool has_key = !options.key_file.empty() || !options.key_pem.empty();
  if (!has_cert && !has_key) return {};
  if (!has_cert || !has_key) {
    return model::Error::terminal("TLS: a client certificate needs both a certificate and a key");
  }
  boost::system::error_code ec;
  if (!options.cert_file.empty()) {
    ctx.use_certificate_chain_file(options.cert_file, ec);
    if (ec) return load_error("client certificate", options.cert_file, ec);
  } else {
    ctx.use_certificate_chain(buffer_of(options.cert_pem), ec);
    if (ec) return data_error("client certificate", options.cert_pem, ec);
  }
  if (!options.key_file.empty()) {
    ctx.use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) return load_error("client key", options.key_file, ec);
  } else {
    ctx.use_private_key(buffer_of(options.key_pem), ssl::context::pem, ec);
    if (ec) return data_error("client key", options.key_pem, ec);
  }
  return {};
}

}  // namespace

model::Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsClientOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return model::Error::terminal("TLS: cannot set options: " + ec.message());
  // An encrypted key fails to load instead of OpenSSL asking on the terminal.
  ctx->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  if (ec) return model::Error::terminal("TLS: cannot set the password callback: " + ec.message());
  if (options.verify) {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (ec) return model::Error::terminal("TLS: cannot set the verify mode: " + ec.message());
    if (auto st = load_certificate_authority(*ctx, options); !st) return st.error();
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  if (auto st = load_client_certificate(*ctx, options); !st) return st.error();
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
