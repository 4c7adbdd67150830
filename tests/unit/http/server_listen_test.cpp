// `--listen host:port` parsing and formatting.

#include <gtest/gtest.h>

#include "rewind/http/server.hpp"

namespace rwd::http {
namespace {

ListenAddress ok(std::string_view text) {
  auto r = parse_listen_address(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : ListenAddress{};
}

TEST(ParseListenAddress, Default) {
  const ListenAddress d;
  EXPECT_EQ(d.str(), "127.0.0.1:9464");
}

TEST(ParseListenAddress, Ipv4) {
  EXPECT_EQ(ok("127.0.0.1:9464"), (ListenAddress{"127.0.0.1", 9464}));
  EXPECT_EQ(ok("0.0.0.0:80"), (ListenAddress{"0.0.0.0", 80}));
  EXPECT_EQ(ok("127.0.0.1:0").port, 0);
  EXPECT_EQ(ok("10.1.2.3:65535").port, 65535);
}

TEST(ParseListenAddress, Ipv6InBrackets) {
  EXPECT_EQ(ok("[::1]:9464"), (ListenAddress{"::1", 9464}));
  EXPECT_EQ(ok("[::]:1"), (ListenAddress{"::", 1}));
  EXPECT_EQ(ok("[0:0:0:0:0:0:0:1]:2").host, "::1");  // normalised
  EXPECT_EQ(ok("[::1]:9464").str(), "[::1]:9464");
}

TEST(ParseListenAddress, Localhost) { EXPECT_EQ(ok("localhost:9").host, "127.0.0.1"); }

TEST(ParseListenAddress, Refusals) {
  for (const char* bad :
       {"", "9464", ":9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:12a", "127.0.0.1: 80", "::1:9464", "[::1]9464", "[::1",
        "[::1]:", "[127.0.0.1]:80", "example.com:80", "256.0.0.1:80", "[]:80"}) {
    const auto r = parse_listen_address(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, model::ErrorKind::kInvalidSpec);
      EXPECT_NE(r.error().message.find(std::string("\"") + bad + "\""), std::string::npos)
          << r.error().message;
    }
  }
}

}  // namespace
}  // namespace rwd::http
