// The HTTP client against our own loopback server: keep-alive, reconnects,
// deadlines and limits.

#include <chrono>

#include <gtest/gtest.h>

#include "rewind/http/client.hpp"

#include "loopback_server.hpp"

namespace rwd::http {
namespace {

using namespace std::chrono_literals;
using test::LoopbackServer;
using test::ServerConn;

std::unique_ptr<Client> client_for(const LoopbackServer& server, ClientOptions options = {}) {
  auto ep = parse_endpoint(server.url());
  EXPECT_TRUE(ep.ok());
  auto client = make_client(*ep, options);
  EXPECT_TRUE(client.ok());
  return std::move(client.value());
}

ClientRequest get(std::string target) {
  ClientRequest r;
  r.target = std::move(target);
  return r;
}

TEST(ClientTcp, KeepAliveReusesOneConnection) {
  LoopbackServer server([](ServerConn& c) {
    while (auto req = c.read_request()) {
      const auto target = req->substr(4, req->find(' ', 4) - 4);
      c.write(test::response("you asked " + target));
    }
  });
  auto client = client_for(server);
  for (int i = 0; i < 3; ++i) {
    auto r = client->request(get("/n" + std::to_string(i)), 2s);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "you asked /n" + std::to_string(i));
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(ClientTcp, SendsBodyAndHeaders) {
  std::string seen;
  LoopbackServer server([&seen](ServerConn& c) {
    if (auto req = c.read_request()) {
      seen = *req;
      c.write(test::response("{}", 201, "Content-Type: application/json\r\n"));
    }
  });
  auto client = client_for(server);
  ClientRequest r;
  r.method = "POST";
  r.target = "/containers/create?name=x";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = R"({"Image":"a"})";
  auto resp = client->request(r, 2s);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->header("content-type"), "application/json");
  EXPECT_NE(seen.find("POST /containers/create?name=x HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(seen.find("Host: 127.0.0.1:" + std::to_string(server.port())), std::string::npos);
  EXPECT_NE(seen.find("Content-Length: 13"), std::string::npos);
  EXPECT_NE(seen.find(R"({"Image":"a"})"), std::string::npos);
}

TEST(ClientTcp, ReconnectsWhenThePeerClosedTheIdleConnection) {
  // Answers one request per connection, then closes (without saying so).
  LoopbackServer server([](ServerConn& c) {
    if (c.read_request()) c.write(test::response("ok"));
  });
  auto client = client_for(server);
  ASSERT_TRUE(client->request(get("/a"), 2s).ok());
  std::this_thread::sleep_for(50ms);  // let the close arrive
  auto second = client->request(get("/b"), 2s);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(server.connections(), 2);
}

TEST(ClientTcp, RetriesOnceWhenAReusedConnectionDiesWithoutAnswer) {
  // Answers the first request of a connection; on the second it hangs up
  // without a word, the way a server that timed the connection out does.
  LoopbackServer server([](ServerConn& c) {
    if (!c.read_request()) return;
    c.write(test::response("first"));
    (void)c.read_request();
  });
  auto client = client_for(server);
  ASSERT_TRUE(client->request(get("/a"), 2s).ok());
  auto second = client->request(get("/b"), 2s);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->body, "first");
  EXPECT_EQ(server.connections(), 2);
}

TEST(ClientTcp, NoRetryOnAFreshConnection) {
  LoopbackServer server([](ServerConn& c) { (void)c.read_request(); });
  auto client = client_for(server);
  auto r = client->request(get("/x"), 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTransient);
  EXPECT_EQ(server.connections(), 1);
}

TEST(ClientTcp, ConnectionCloseIsHonoured) {
  LoopbackServer server([](ServerConn& c) {
    while (c.read_request()) c.write(test::response("bye", 200, "Connection: close\r\n"));
  });
  auto client = client_for(server);
  ASSERT_TRUE(client->request(get("/a"), 2s).ok());
  ASSERT_TRUE(client->request(get("/b"), 2s).ok());
  EXPECT_EQ(server.connections(), 2);
}

TEST(ClientTcp, ServerThatNeverAnswersFailsWithinTheDeadline) {
  LoopbackServer server([](ServerConn& c) {
    while (c.read_request()) {
    }
  });
  auto client = client_for(server);
  const auto start = std::chrono::steady_clock::now();
  auto r = client->request(get("/slow?token=secret"), 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTransient);
  EXPECT_NE(r.error().message.find("timed out after 300ms"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("GET /slow on " + server.url()), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);
}

TEST(ClientTcp, SlowBodyCountsAgainstTheSameDeadline) {
  LoopbackServer server([](ServerConn& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
    (void)c.read_request();  // the other 5 bytes never come
  });
  auto client = client_for(server);
  const auto start = std::chrono::steady_clock::now();
  auto r = client->request(get("/"), 300ms);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_NE(r.error().message.find("read: timed out"), std::string::npos) << r.error().message;
}

TEST(ClientTcp, ConnectionRefusedIsTransientAndNamesTheEndpoint) {
  unsigned short port = 0;
  {
    LoopbackServer gone([](ServerConn&) {});
    port = gone.port();
  }
  auto ep = parse_endpoint("tcp://127.0.0.1:" + std::to_string(port));
  auto client = make_client(*ep);
  auto r = (*client)->request(get("/_ping"), 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTransient);
  EXPECT_NE(r.error().message.find("tcp://127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_NE(r.error().message.find("connect"), std::string::npos) << r.error().message;
}

TEST(ClientTcp, BodyOverTheLimitIsRefused) {
  LoopbackServer server([](ServerConn& c) {
    if (c.read_request()) c.write(test::response(std::string(2000, 'x')));
  });
  ClientOptions options;
  options.limits.max_body_bytes = 1000;
  auto client = client_for(server, options);
  auto r = client->request(get("/big"), 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTerminal);
  EXPECT_NE(r.error().message.find("response body larger than 1000 bytes"), std::string::npos)
      << r.error().message;
}

TEST(ClientTcp, ChunkedBodyOverTheLimitIsRefused) {
  LoopbackServer server([](ServerConn& c) {
    if (!c.read_request()) return;
    std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 10; ++i) out += test::chunk(std::string(300, 'y'));
    c.write(out + "0\r\n\r\n");
  });
  ClientOptions options;
  options.limits.max_body_bytes = 1000;
  auto client = client_for(server, options);
  auto r = client->request(get("/big"), 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("larger than 1000"), std::string::npos) << r.error().message;
}

TEST(ClientTcp, HeaderOverTheLimitIsRefused) {
  LoopbackServer server([](ServerConn& c) {
    if (c.read_request()) {
      c.write(test::response("x", 200, "X-Big: " + std::string(100 * 1024, 'h') + "\r\n"));
    }
  });
  auto client = client_for(server);  // default limit: 64 KiB
  auto r = client->request(get("/"), 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTerminal);
  EXPECT_NE(r.error().message.find("response header larger than 65536 bytes"), std::string::npos)
      << r.error().message;
}

TEST(ClientTcp, DefaultBodyLimitAllowsLargeBodies) {
  const std::string body(3 * 1024 * 1024, 'z');
  LoopbackServer server([&body](ServerConn& c) {
    if (c.read_request()) c.write(test::response(body));
  });
  auto client = client_for(server);
  auto r = client->request(get("/"), 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body.size(), body.size());
}

TEST(ClientTcp, RequestsThatWouldSplitAreRefusedBeforeConnecting) {
  LoopbackServer server([](ServerConn& c) {
    while (c.read_request()) c.write(test::response("x"));
  });
  auto client = client_for(server);
  ClientRequest header_split = get("/");
  header_split.headers = {{"X-A", "1\r\nX-Injected: 2"}};
  EXPECT_FALSE(client->request(header_split, 1s).ok());
  EXPECT_FALSE(client->request(get("/a b"), 1s).ok());
  EXPECT_FALSE(client->request(get("/a\r\nHost: x"), 1s).ok());
  EXPECT_FALSE(client->request(get("relative"), 1s).ok());
  ClientRequest bad_method = get("/");
  bad_method.method = "GET /x";
  EXPECT_FALSE(client->request(bad_method, 1s).ok());
  EXPECT_EQ(server.connections(), 0);
  EXPECT_TRUE(client->request(get("/fine?q=%20"), 1s).ok());
}

TEST(ClientTcp, MalformedResponseIsTerminal) {
  LoopbackServer server([](ServerConn& c) {
    if (c.read_request()) c.write("SMTP ready\r\n\r\n");
  });
  auto client = client_for(server);
  auto r = client->request(get("/"), 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTerminal) << r.error().message;
}

}  // namespace
}  // namespace rwd::http
