// Chunked responses and streaming against our own loopback server.

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/http/client.hpp"

#include "loopback_server.hpp"

namespace rwd::http {
namespace {

using namespace std::chrono_literals;
using test::LoopbackServer;
using test::ServerConn;

std::unique_ptr<Client> client_for(const LoopbackServer& server) {
  auto ep = parse_endpoint(server.url());
  EXPECT_TRUE(ep.ok());
  auto client = make_client(*ep);
  EXPECT_TRUE(client.ok());
  return std::move(client.value());
}

ClientRequest get(std::string target) {
  ClientRequest r;
  r.target = std::move(target);
  return r;
}

const char* kChunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

// Three events, 50 ms apart, the second split across two chunks.
void slow_events(ServerConn& c) {
  if (!c.read_request()) return;
  c.write(kChunkedHead);
  c.write(test::chunk("{\"n\":1}\n"));
  std::this_thread::sleep_for(50ms);
  c.write(test::chunk("{\"n\":"));
  std::this_thread::sleep_for(50ms);
  c.write(test::chunk("2}\n{\"n\":3}\n"));
  c.write("0\r\n\r\n");
  (void)c.read_request();
}

TEST(ClientStream, RequestReadsASlowChunkedBodyWhole) {
  LoopbackServer server(slow_events);
  auto client = client_for(server);
  auto r = client->request(get("/events"), 2s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
}

TEST(ClientStream, HandsOverPiecesAsTheyArrive) {
  LoopbackServer server(slow_events);
  auto client = client_for(server);
  std::vector<std::string> pieces;
  auto r = client->stream(get("/events"),
                          [&pieces](std::string_view data) {
                            pieces.emplace_back(data);
                            return true;
                          },
                          2s, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, StreamEnd::kComplete);
  EXPECT_EQ(r->head.status, 200);
  ASSERT_GE(pieces.size(), 3U);  // the pauses separate them
  EXPECT_EQ(pieces.front(), "{\"n\":1}\n");
  std::string all;
  for (const auto& p : pieces) all += p;
  EXPECT_EQ(all, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
}

TEST(ClientStream, HandlerEndsTheStream) {
  LoopbackServer server(slow_events);
  auto client = client_for(server);
  int calls = 0;
  auto r = client->stream(get("/events"),
                          [&calls](std::string_view) {
                            ++calls;
                            return false;
                          },
                          2s, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, StreamEnd::kHandlerStopped);
  EXPECT_EQ(calls, 1);
}

// Sends the head and one event, then nothing until the client goes away.
void quiet_after_one(ServerConn& c) {
  if (!c.read_request()) return;
  c.write(kChunkedHead);
  c.write(test::chunk("{\"n\":1}\n"));
  (void)c.read_request();
}

TEST(ClientStream, StopFromAnotherThreadEndsAQuietStreamPromptly) {
  LoopbackServer server(quiet_after_one);
  auto client = client_for(server);
  std::stop_source stop;
  std::atomic<int> received{0};
  std::thread stopper([&] {
    while (received.load() == 0) std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = client->stream(
      get("/events"),
      [&received](std::string_view) {
        ++received;
        return true;
      },
      30s, stop.get_token());
  const auto took = std::chrono::steady_clock::now() - start;
  stopper.join();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, StreamEnd::kStopRequested);
  EXPECT_EQ(received.load(), 1);
  EXPECT_LT(took, 5s);
}

TEST(ClientStream, StopBeforeTheStreamStartsReturnsAtOnce) {
  LoopbackServer server(quiet_after_one);
  auto client = client_for(server);
  std::stop_source stop;
  stop.request_stop();
  auto r = client->stream(
      get("/events"), [](std::string_view) { return true; }, 30s, stop.get_token());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->end, StreamEnd::kStopRequested);
  // The client remains usable afterwards; the stale stop does not hit it.
  LoopbackServer other([](ServerConn& c) {
    if (c.read_request()) c.write(test::response("fine"));
  });
  auto second = client_for(other)->request(get("/"), 2s);
  ASSERT_TRUE(second.ok());
  auto again = client->request(get("/events"), 300ms);  // quiet server: times out normally
  EXPECT_FALSE(again.ok());
}

TEST(ClientStream, IdleTimeoutIsATransientError) {
  LoopbackServer server(quiet_after_one);
  auto client = client_for(server);
  const auto start = std::chrono::steady_clock::now();
  auto r = client->stream(get("/events"), [](std::string_view) { return true; }, 300ms, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTransient);
  EXPECT_NE(r.error().message.find("timed out after 300ms"), std::string::npos)
      << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ClientStream, DataRenewsTheIdleTimeout) {
  // 6 pieces 100 ms apart: 600 ms in all, against an idle timeout of 300 ms.
  LoopbackServer server([](ServerConn& c) {
    if (!c.read_request()) return;
    c.write(kChunkedHead);
    for (int i = 0; i < 6; ++i) {
      std::this_thread::sleep_for(100ms);
      c.write(test::chunk("x"));
    }
    c.write("0\r\n\r\n");
  });
  auto client = client_for(server);
  std::string all;
  auto r = client->stream(get("/events"),
                          [&all](std::string_view d) {
                            all += d;
                            return true;
                          },
                          300ms, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(all, "xxxxxx");
}

TEST(ClientStream, ErrorStatusKeepsTheBodyForTheCaller) {
  LoopbackServer server([](ServerConn& c) {
    if (c.read_request()) c.write(test::response("{\"message\":\"bad filter\"}", 400));
  });
  auto client = client_for(server);
  bool called = false;
  auto r = client->stream(get("/events"),
                          [&called](std::string_view) {
                            called = true;
                            return true;
                          },
                          2s, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->head.status, 400);
  EXPECT_EQ(r->head.body, "{\"message\":\"bad filter\"}");
  EXPECT_FALSE(called);
}

TEST(ClientStream, CloseDelimitedBodyCompletes) {
  LoopbackServer server([](ServerConn& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-the-end");
  });
  auto client = client_for(server);
  std::string all;
  auto r = client->stream(get("/"),
                          [&all](std::string_view d) {
                            all += d;
                            return true;
                          },
                          2s, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, StreamEnd::kComplete);
  EXPECT_EQ(all, "until-the-end");
}

}  // namespace
}  // namespace rwd::http
