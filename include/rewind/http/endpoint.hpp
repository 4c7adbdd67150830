#pragma once
// Where an HTTP client connects: a unix socket, plain TCP, or TCP with TLS.
//
//   unix:///var/run/docker.sock       unix socket
//   tcp://10.0.0.5:2375               plain TCP (Docker's form; port 2375, or 2376 with TLS)
//   http://127.0.0.1:9090             plain TCP (port 80 by default)
//   https://registry.example:8443     TLS (port 443 by default), verification on
//
// Credentials in URLs (user:password@host) are refused: they would end up in
// error messages and logs.

#include <cstdint>
#include <string>
#include <string_view>

#include "rewind/model/result.hpp"

namespace rwd::http {

// The CA, client certificate and key come from a file or, when the file is
// empty, from PEM text held in memory (a kubeconfig's *-data fields). The PEM
// text is never shown: not by Endpoint::str(), not in an error message.
struct TlsClientOptions {
  bool verify = true;       // verify the server's chain and name
  std::string ca_file;      // PEM; empty: ca_pem, or else the system's default trust store
  std::string cert_file;    // PEM client certificate (chain); empty: cert_pem, or else none
  std::string key_file;     // PEM private key of cert_file; empty: key_pem
  std::string server_name;  // name checked against the certificate; empty: the host
  std::string ca_pem{};     // PEM text of the CA(s), used when ca_file is empty
  std::string cert_pem{};   // PEM text of the client certificate (chain), when cert_file is empty
  std::string key_pem{};    // PEM text of the client key (a secret), when key_file is empty
  bool operator==(const TlsClientOptions&) const = default;
};

enum class Transport { kUnix, kTcp, kTls };

struct Endpoint {
  Transport transport = Transport::kUnix;
  std::string socket_path;  // kUnix
  std::string host;         // kTcp, kTls: a name, an IPv4 address, or an IPv6 address without []
  std::uint16_t port = 0;   // kTcp, kTls
  TlsClientOptions tls;     // kTls

  // For messages: "unix:///var/run/docker.sock", "tcp://127.0.0.1:2375",
  // "https://[::1]:8443". Never holds credentials or file contents.
  [[nodiscard]] std::string str() const;
  // The value of the Host header: "localhost" for unix sockets, else host[:port].
  [[nodiscard]] std::string host_header() const;
  bool operator==(const Endpoint&) const = default;
};

// Parses unix://, tcp://, http:// and https:// endpoints. A path is not
// allowed, except a single "/". tcp:// becomes kTls when `tls` is given.
model::Result<Endpoint> parse_endpoint(std::string_view url);
model::Result<Endpoint> parse_endpoint(std::string_view url, const TlsClientOptions& tls);

// An http:// or https:// URL split into where to connect and what to ask for.
struct Url {
  Endpoint endpoint;
  std::string target;  // path and query, "/" when the URL has none; no fragment
  bool operator==(const Url&) const = default;
};
model::Result<Url> parse_url(std::string_view url);

}  // namespace rwd::http
