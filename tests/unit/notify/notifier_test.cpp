// The webhook body and URL redaction.

#include "rewind/notify/notifier.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::notify {
namespace {

TEST(EventJsonTest, CarriesEveryField) {
  Event e;
  e.type = kRolledBack;
  e.release = {"shop", "web"};
  e.from_revision = 7;
  e.to_revision = 6;
  e.trigger = "analysis/error-rate";
  e.message = "error rate 0.31 > 0.05";
  e.at = *model::parse_timestamp("2024-05-01T10:00:00Z");
  e.seconds = 0.25;
  e.link = "http://rewind:9464/api/v1/releases/shop/web";
  const auto j = event_json(e);
  EXPECT_EQ(j.at("event"), "rolled-back");
  EXPECT_EQ(j.at("release"), "shop/web");
  EXPECT_EQ(j.at("from"), 7);
  EXPECT_EQ(j.at("to"), 6);
  EXPECT_EQ(j.at("trigger"), "analysis/error-rate");
  EXPECT_EQ(j.at("message"), "error rate 0.31 > 0.05");
  EXPECT_EQ(j.at("at"), "2024-05-01T10:00:00Z");
  EXPECT_DOUBLE_EQ(j.at("seconds").get<double>(), 0.25);
  EXPECT_EQ(j.at("link"), "http://rewind:9464/api/v1/releases/shop/web");
  EXPECT_EQ(j.dump().find("\"event\""), 1U);  // "event" first: readable in a chat client
}

TEST(EventJsonTest, UnknownNumbersAreNull) {
  Event e;
  e.type = kRolloutStarted;
  e.release = {"default", "web"};
  e.at = *model::parse_timestamp("2024-05-01T10:00:00.250Z");
  const auto j = event_json(e);
  EXPECT_TRUE(j.at("from").is_null());
  EXPECT_TRUE(j.at("to").is_null());
  EXPECT_TRUE(j.at("seconds").is_null());
  EXPECT_EQ(j.at("at"), "2024-05-01T10:00:00.250Z");
  EXPECT_EQ(j.at("link"), "");
}

TEST(RedactUrlTest, HidesUserinfoQueryValuesAndDeepPaths) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"},
      {"https://example.com", "https://example.com"},
      {"https://example.com/", "https://example.com/"},
      {"https://user:s3cret@example.com/hook", "https://***@example.com/hook"},
      {"https://example.com/hook?token=abc&channel=ops",
       "https://example.com/hook?token=***&channel=***"},
      {"https://example.com/hook?abcdef", "https://example.com/hook?***"},
      {"https://hooks.slack.com/services/T000/B000/XXXXSECRET",
       "https://hooks.slack.com/services/***"},
      {"https://example.com/api/?x=1#frag", "https://example.com/api/?x=***"},
      {"https://a:b@example.com?k=v", "https://***@example.com?k=***"},
      {"not a url with s3cret", "<redacted>"},
      {"", "<redacted>"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(redact_url(in), want) << in;
  for (const auto& [in, want] : cases) {
    for (const char* secret : {"s3cret", "abc", "XXXXSECRET", "frag", "abcdef"}) {
      EXPECT_EQ(redact_url(in).find(secret), std::string::npos) << in;
    }
  }
}

}  // namespace
}  // namespace rwd::notify
