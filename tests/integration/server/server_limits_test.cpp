// The real server against misbehaving clients over loopback: oversized
// headers and bodies, slow and silent clients, more connections than
// sessions, and stop() with clients attached.

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "server_fixture.hpp"

namespace rwd::http::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string header_of_size(std::size_t bytes) {
  return "X-Filler: " + std::string(bytes, 'a') + "\r\n";
}

TEST_F(ServerTest, OversizedHeaderIs431AndClosed) {
  start();
  TestClient c(port());
  ASSERT_FALSE(c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n" + header_of_size(9 * 1024) + "\r\n"));
  Response r;
  ASSERT_FALSE(c.read(r));
  EXPECT_EQ(r.result_int(), 431);
  EXPECT_EQ(r.body(), "{\"error\":\"request header larger than 8192 bytes\"}\n");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST_F(ServerTest, HeaderJustUnderTheLimitIsServed) {
  start();
  TestClient c(port());
  EXPECT_EQ(c.get("/healthz", "GET", header_of_size(7 * 1024)).result_int(), 200);
}

TEST_F(ServerTest, OversizedBodyIs413EvenWhenSentWhole) {
  start();
  TestClient c(port());
  const std::string body(70 * 1024, 'b');
  // Header and the whole body in one go: the reply must still reach the
  // client (the server reads away the rest before closing).
  ASSERT_FALSE(c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body));
  Response r;
  ASSERT_FALSE(c.read(r));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(r.body(), "{\"error\":\"request body larger than 65536 bytes\"}\n");
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  start();
  TestClient c(port());
  std::string chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) chunked += "1000\r\n" + std::string(4096, 'c') + "\r\n";  // 80 KiB
  chunked += "0\r\n\r\n";
  ASSERT_FALSE(c.write(chunked));
  Response r;
  ASSERT_FALSE(c.read(r));
  EXPECT_EQ(r.result_int(), 413);
}

TEST_F(ServerTest, BodyAtTheLimitIsServed) {
  start();
  TestClient c(port());
  const std::string body(64 * 1024, 'd');
  ASSERT_FALSE(c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n" + body));
  Response r;
  ASSERT_FALSE(c.read(r));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body().size(), body.size());
}

TEST_F(ServerTest, StalledClientIsCutOffWhileOthersAreServed) {
  options_.read_timeout = 1s;
  start();
  TestClient slow(port());
  const auto t0 = Clock::now();
  ASSERT_FALSE(slow.write("GET /healthz HTTP/1.1\r\nHos"));  // half a request, then nothing

  TestClient other(port());
  EXPECT_EQ(other.get("/healthz").result_int(), 200);
  EXPECT_LT(Clock::now() - t0, 800ms) << "the other client waited for the slow one";

  EXPECT_TRUE(slow.wait_closed(5s));
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 950ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(other.get("/healthz").result_int(), 200);
}

TEST_F(ServerTest, TricklingClientIsCutOffAtTheRequestDeadline) {
  options_.read_timeout = 600ms;
  start();
  TestClient slow(port());
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(200, 'z') + "\r\n\r\n";
  const auto t0 = Clock::now();
  // One byte every 50 ms would take 12 s; each byte is "progress", but the
  // deadline covers the whole request.
  bool cut = false;
  for (const char ch : request) {
    if (slow.write(std::string_view(&ch, 1))) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
    if (Clock::now() - t0 > 3s) break;
  }
  EXPECT_TRUE(cut || slow.wait_closed(2s));
  EXPECT_LT(Clock::now() - t0, 3s);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterReadTimeout) {
  options_.read_timeout = 300ms;
  start();
  TestClient c(port());
  EXPECT_EQ(c.get("/healthz").result_int(), 200);
  const auto t0 = Clock::now();
  EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_GE(Clock::now() - t0, 250ms);
}

TEST_F(ServerTest, ConnectionsBeyondTheSessionBoundAreRefusedNotFatal) {
  options_.max_sessions = 4;
  options_.read_timeout = 2s;
  options_.threads = 2;
  start();
  // Hold every session with an idle connection...
  std::vector<std::unique_ptr<TestClient>> holders;
  for (int i = 0; i < 4; ++i) {
    holders.push_back(std::make_unique<TestClient>(port()));
    EXPECT_EQ(holders.back()->get("/healthz").result_int(), 200);
  }
  EXPECT_EQ(server_->active_sessions(), 4U);
  // ... then storm it from several threads.
  constexpr int kClients = 64;
  std::vector<std::future<int>> results;
  for (int i = 0; i < kClients; ++i) {
    results.push_back(std::async(std::launch::async, [p = port()]() -> int {
      TestClient c(p);
      if (c.connect_error()) return -1;
      // 0 when the connection was reset before a response arrived
      return static_cast<int>(c.get("/healthz").result_int());
    }));
  }
  int refused = 0;
  for (auto& f : results) {
    const int status = f.get();
    EXPECT_TRUE(status == 503 || status == 0) << status;
    if (status == 503) ++refused;
  }
  // A refused client normally reads the 503; one whose request arrives after
  // the server closed may see a reset instead.
  EXPECT_GT(refused, 0);
  EXPECT_LE(server_->active_sessions(), 4U);

  // Freeing the sessions lets new clients in.
  holders.clear();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    TestClient c(port());
    served = c.get("/healthz").result_int() == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served);
}

TEST_F(ServerTest, StopWithClientsAttachedReturns) {
  options_.read_timeout = 30s;  // stop() must not wait for the clients' deadlines
  options_.stop_timeout = 5s;
  options_.threads = 2;
  start();
  TestClient idle(port());
  EXPECT_EQ(idle.get("/healthz").result_int(), 200);  // now idle in keep-alive
  TestClient half(port());
  ASSERT_FALSE(half.write("GET /healthz HTTP/1.1\r\n"));  // mid-request
  TestClient silent(port());                              // connected, never writes
  ASSERT_FALSE(silent.connect_error());

  const auto t0 = Clock::now();
  server_->stop();
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(server_->active_sessions(), 0U);
  EXPECT_TRUE(idle.wait_closed(2s));
  EXPECT_TRUE(half.wait_closed(2s));
  EXPECT_TRUE(silent.wait_closed(2s));

  TestClient after(port());
  EXPECT_TRUE(after.connect_error()) << "the listener is closed";
  server_->stop();  // idempotent
}

}  // namespace
}  // namespace rwd::http::testing

namespace rwd::http::testing {
namespace {

TEST_F(ServerTest, StopLetsTheResponseInFlightFinishWithConnectionClose) {
  start();
  auto entered = slow_entered_.get_future();
  TestClient c(port());
  ASSERT_FALSE(c.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(entered.wait_for(5s), std::future_status::ready);

  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  // stop() waits for the handler (up to stop_timeout) rather than cutting it off.
  EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout);
  slow_release_promise_.set_value();

  Response r;
  ASSERT_FALSE(c.read(r));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "finally");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(c.wait_closed(2s));
}

TEST_F(ServerTest, StopGivesUpOnAStuckHandlerAfterStopTimeout) {
  options_.stop_timeout = 300ms;
  options_.threads = 2;
  start();
  auto entered = slow_entered_.get_future();
  TestClient c(port());
  ASSERT_FALSE(c.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(entered.wait_for(5s), std::future_status::ready);
  const auto t0 = Clock::now();
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  // The stuck handler holds a server thread, so stop() cannot join it until
  // the handler returns; it must not wait for more than that.
  std::this_thread::sleep_for(500ms);
  slow_release_promise_.set_value();
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_LT(Clock::now() - t0, 2s);
}

}  // namespace
}  // namespace rwd::http::testing
