#include <gtest/gtest.h>

#include "rewind/http/client.hpp"
#include "rewind/http/endpoint.hpp"

namespace rwd::http {
namespace {

TEST(ParseEndpoint, UnixSocket) {
  auto ep = parse_endpoint("unix:///var/run/docker.sock");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->transport, Transport::kUnix);
  EXPECT_EQ(ep->socket_path, "/var/run/docker.sock");
  EXPECT_EQ(ep->str(), "unix:///var/run/docker.sock");
  EXPECT_EQ(ep->host_header(), "localhost");
}

TEST(ParseEndpoint, UnixWithoutPathIsRefused) { EXPECT_FALSE(parse_endpoint("unix://").ok()); }

TEST(ParseEndpoint, TcpWithPort) {
  auto ep = parse_endpoint("tcp://10.0.0.5:2376");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->transport, Transport::kTcp);
  EXPECT_EQ(ep->host, "10.0.0.5");
  EXPECT_EQ(ep->port, 2376);
  EXPECT_EQ(ep->str(), "tcp://10.0.0.5:2376");
  EXPECT_EQ(ep->host_header(), "10.0.0.5:2376");
}

TEST(ParseEndpoint, DefaultPorts) {
  EXPECT_EQ(parse_endpoint("tcp://docker-host")->port, 2375);
  EXPECT_EQ(parse_endpoint("http://example.test")->port, 80);
  EXPECT_EQ(parse_endpoint("https://example.test")->port, 443);
  EXPECT_EQ(parse_endpoint("http://example.test")->host_header(), "example.test");
  EXPECT_EQ(parse_endpoint("https://example.test/")->host_header(), "example.test");
}

TEST(ParseEndpoint, HttpsIsTlsWithVerification) {
  auto ep = parse_endpoint("HTTPS://example.test:8443");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->transport, Transport::kTls);
  EXPECT_TRUE(ep->tls.verify);
  EXPECT_EQ(ep->str(), "https://example.test:8443");
}

TEST(ParseEndpoint, TcpWithTlsOptionsUsesDockerTlsPort) {
  TlsClientOptions tls;
  tls.ca_file = "/certs/ca.pem";
  auto ep = parse_endpoint("tcp://docker-host", tls);
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->transport, Transport::kTls);
  EXPECT_EQ(ep->port, 2376);
  EXPECT_EQ(ep->tls.ca_file, "/certs/ca.pem");
  EXPECT_EQ(parse_endpoint("tcp://docker-host:2375", tls)->port, 2375);
  EXPECT_FALSE(parse_endpoint("unix:///x.sock", tls).ok());
}

TEST(ParseEndpoint, Ipv6) {
  auto ep = parse_endpoint("tcp://[::1]:2375");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->str(), "tcp://[::1]:2375");
  EXPECT_EQ(ep->host_header(), "[::1]:2375");
  EXPECT_FALSE(parse_endpoint("tcp://::1:2375").ok());
  EXPECT_FALSE(parse_endpoint("tcp://[::1").ok());
  EXPECT_FALSE(parse_endpoint("tcp://[zz]:1").ok());
}

TEST(ParseEndpoint, RefusesBadInput) {
  EXPECT_FALSE(parse_endpoint("").ok());
  EXPECT_FALSE(parse_endpoint("localhost:2375").ok());
  EXPECT_FALSE(parse_endpoint("ftp://host").ok());
  EXPECT_FALSE(parse_endpoint("tcp://host:0").ok());
  EXPECT_FALSE(parse_endpoint("tcp://host:65536").ok());
  EXPECT_FALSE(parse_endpoint("tcp://host:").ok());
  EXPECT_FALSE(parse_endpoint("tcp://host:12x").ok());
  EXPECT_FALSE(parse_endpoint("tcp://:2375").ok());
  EXPECT_FALSE(parse_endpoint("tcp://host/path").ok());
  EXPECT_FALSE(parse_endpoint("tcp://ho st:1").ok());
  EXPECT_EQ(parse_endpoint("ftp://host").error().kind, model::ErrorKind::kInvalidSpec);
}

TEST(ParseEndpoint, CredentialsAreRefusedWithoutBeingRepeated) {
  auto ep = parse_endpoint("https://alice:s3cret@example.test");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.error().message.find("s3cret"), std::string::npos);
  EXPECT_NE(ep.error().message.find("credentials"), std::string::npos);
}

TEST(ParseUrl, SplitsEndpointAndTarget) {
  auto url = parse_url("http://127.0.0.1:9090/api/v1/query?query=up#frag");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->endpoint.transport, Transport::kTcp);
  EXPECT_EQ(url->endpoint.host, "127.0.0.1");
  EXPECT_EQ(url->endpoint.port, 9090);
  EXPECT_EQ(url->target, "/api/v1/query?query=up");
}

TEST(ParseUrl, DefaultsAndTls) {
  auto url = parse_url("https://hooks.example.test");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->endpoint.transport, Transport::kTls);
  EXPECT_EQ(url->endpoint.port, 443);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(parse_url("http://h?x=1")->target, "/?x=1");
}

TEST(ParseUrl, RefusesOtherSchemesAndSpaces) {
  EXPECT_FALSE(parse_url("unix:///var/run/docker.sock").ok());
  EXPECT_FALSE(parse_url("tcp://h:1").ok());
  EXPECT_FALSE(parse_url("http://h/a b").ok());
}

TEST(ParseUrl, ErrorsDoNotRepeatTheQuery) {
  auto url = parse_url("gopher://h/x?token=abc");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().message.find("token=abc"), std::string::npos);
}

TEST(ClientResponse, HeaderLookupIsCaseInsensitive) {
  ClientResponse r;
  r.headers = {{"Content-Type", "application/json"}, {"Api-Version", "1.41"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("API-VERSION"), "1.41");
  EXPECT_FALSE(r.header("Server").has_value());
}

TEST(MakeClient, MissingTlsFileIsATerminalErrorNamingTheFile) {
  Endpoint ep;
  ep.transport = Transport::kTls;
  ep.host = "127.0.0.1";
  ep.port = 1;
  ep.tls.ca_file = "/nonexistent/ca.pem";
  auto client = make_client(ep);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().kind, model::ErrorKind::kTerminal);
  EXPECT_NE(client.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace rwd::http
