// TLS against our own Asio SSL loopback server, with a CA and certificates
// made by the openssl command line tool for this test run.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "rewind/http/client.hpp"

#include "loopback_server.hpp"

namespace rwd::http {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::LoopbackServer;
using test::ServerConn;

// A CA, a server certificate for 127.0.0.1 and localhost, a client certificate.
class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/rewind-tls-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string d = dir_.string();
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::ofstream(d + "/server.ext")
        << "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n";
    std::ofstream(d + "/client.ext") << "extendedKeyUsage=clientAuth\n";
    ok_ = run("openssl req -x509 " + key + " -keyout " + d + "/ca.key -out " + d +
              "/ca.pem -days 1 -subj /CN=rewind-test-ca") &&
          sign("server", key) && sign("client", key);
  }
  ~Pki() { fs::remove_all(dir_); }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string file(const char* name) const { return (dir_ / name).string(); }

 private:
  static bool run(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
  }
  bool sign(const std::string& who, const std::string& key) {
    const std::string d = dir_.string();
    return run("openssl req " + key + " -keyout " + d + "/" + who + ".key -out " + d + "/" + who +
               ".csr -subj /CN=" + who) &&
           run("openssl x509 -req -in " + d + "/" + who + ".csr -CA " + d + "/ca.pem -CAkey " + d +
               "/ca.key -CAcreateserial -days 1 -out " + d + "/" + who + ".pem -extfile " + d +
               "/" + who + ".ext");
  }
  fs::path dir_;
  bool ok_ = false;
};

class ClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.ok()) << "openssl could not make the test certificates";
    server_ctx_.use_certificate_chain_file(pki_.file("server.pem"));
    server_ctx_.use_private_key_file(pki_.file("server.key"), test::net::ssl::context::pem);
  }

  void require_client_certificates() {
    server_ctx_.set_verify_mode(test::net::ssl::verify_peer |
                                test::net::ssl::verify_fail_if_no_peer_cert);
    server_ctx_.load_verify_file(pki_.file("ca.pem"));
  }

  static void hello(ServerConn& c) {
    while (c.read_request()) c.write(test::response("hello over tls"));
  }

  static model::Result<ClientResponse> get(const Endpoint& ep) {
    auto client = make_client(ep);
    if (!client) return client.error();
    ClientRequest r;
    r.target = "/";
    return (*client)->request(r, 3s);
  }

  Endpoint endpoint(const LoopbackServer& server, const std::string& host = "127.0.0.1") {
    Endpoint ep;
    ep.transport = Transport::kTls;
    ep.host = host;
    ep.port = server.port();
    ep.tls.ca_file = pki_.file("ca.pem");
    return ep;
  }

  Pki pki_;
  test::net::ssl::context server_ctx_{test::net::ssl::context::tls_server};
};

TEST_F(ClientTls, VerifiesTheServerWithTheCa) {
  LoopbackServer server(hello, &server_ctx_);
  auto r = get(endpoint(server));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "hello over tls");
}

TEST_F(ClientTls, VerifiesAHostName) {
  LoopbackServer server(hello, &server_ctx_);
  auto r = get(endpoint(server, "localhost"));
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(ClientTls, FailsWithoutTheCa) {
  LoopbackServer server(hello, &server_ctx_);
  auto ep = endpoint(server);
  ep.tls.ca_file.clear();  // the system trust store does not know our CA
  auto r = get(ep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTerminal);
  EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos)
      << r.error().message;
}

TEST_F(ClientTls, FailsWhenTheNameDoesNotMatch) {
  LoopbackServer server(hello, &server_ctx_);
  auto ep = endpoint(server);
  ep.tls.server_name = "other.example.test";
  auto r = get(ep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTerminal);
}

TEST_F(ClientTls, VerificationCanBeTurnedOff) {
  LoopbackServer server(hello, &server_ctx_);
  auto ep = endpoint(server);
  ep.tls.ca_file.clear();
  ep.tls.verify = false;
  auto r = get(ep);
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(ClientTls, ClientCertificateWhenTheServerRequiresOne) {
  require_client_certificates();
  LoopbackServer server(hello, &server_ctx_);
  auto ep = endpoint(server);
  EXPECT_FALSE(get(ep).ok());
  ep.tls.cert_file = pki_.file("client.pem");
  ep.tls.key_file = pki_.file("client.key");
  auto r = get(ep);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "hello over tls");
}

TEST_F(ClientTls, DockerStyleTcpEndpointWithTlsKeepsTheConnection) {
  LoopbackServer server(hello, &server_ctx_);
  TlsClientOptions tls;
  tls.ca_file = pki_.file("ca.pem");
  auto ep = parse_endpoint(server.url("tcp"), tls);
  ASSERT_TRUE(ep.ok());
  auto client = make_client(*ep);
  ASSERT_TRUE(client.ok());
  ClientRequest r;
  for (int i = 0; i < 3; ++i) {
    auto resp = (*client)->request(r, 3s);
    ASSERT_TRUE(resp.ok()) << resp.error().message;
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(ClientTls, PlainClientAgainstATlsServerFailsWithinTheDeadline) {
  LoopbackServer server(hello, &server_ctx_);
  auto ep = parse_endpoint(server.url("http"));
  auto client = make_client(*ep);
  ClientRequest r;
  const auto start = std::chrono::steady_clock::now();
  auto resp = (*client)->request(r, 500ms);
  EXPECT_FALSE(resp.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace rwd::http
