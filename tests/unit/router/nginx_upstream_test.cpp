// The upstream file: rendering, reading back, and the backend rules.

#include "rewind/router/nginx_upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/router/nginx_control.hpp"

namespace rwd::router {
namespace {

using ::testing::HasSubstr;

const model::ObjectKey kWeb{"default", "web"};

TEST(NginxUpstreamTest, RendersWeightsAndReadsThemBack) {
  const std::vector<Backend> backends{{"blue", "127.0.0.1:18080", 90},
                                      {"green", "127.0.0.1:18081", 10}};
  const std::string text = render_upstream(kWeb, backends);
  EXPECT_THAT(text, HasSubstr("# rewind-release: default/web\n"));
  EXPECT_THAT(text, HasSubstr("upstream rewind_default_web {\n"));
  EXPECT_THAT(text, HasSubstr("    server 127.0.0.1:18080 weight=90;  # rewind-backend name=blue "
                              "weight=90\n"));
  EXPECT_THAT(text, HasSubstr("    server 127.0.0.1:18081 weight=10;  # rewind-backend "
                              "name=green weight=10\n"));
  auto back = parse_upstream(kWeb, text, "f.conf");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, backends);
}

TEST(NginxUpstreamTest, ZeroWeightIsWrittenDownAndReadBackAsZero) {
  const std::vector<Backend> backends{{"blue", "127.0.0.1:18080", 0},
                                      {"green", "[::1]:18081", 100}};
  const std::string text = render_upstream(kWeb, backends);
  EXPECT_THAT(text, HasSubstr("server 127.0.0.1:18080 down;  # rewind-backend name=blue weight=0"));
  EXPECT_THAT(text, HasSubstr("server [::1]:18081 weight=100;"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("weight=0;")));
  auto back = parse_upstream(kWeb, text, "f.conf");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, backends);
}

TEST(NginxUpstreamTest, NamesFollowTheRelease) {
  EXPECT_EQ(upstream_name({"shop", "api.v2"}), "rewind_shop_api.v2");
  EXPECT_EQ(upstream_file_name({"shop", "api"}), "shop_api.conf");
}

TEST(NginxUpstreamTest, RefusesAFileOfAnotherRelease) {
  const std::string text = render_upstream({"default", "other"}, {{"blue", "h:1", 1}});
  auto back = parse_upstream(kWeb, text, "/d/default_web.conf");
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.error().message, HasSubstr("/d/default_web.conf:2"));
  EXPECT_THAT(back.error().message, HasSubstr("default/other"));
}

TEST(NginxUpstreamTest, RefusesHandEditsItCannotRead) {
  std::string text = render_upstream(kWeb, {{"blue", "h:1", 5}});
  text.replace(text.find("weight=5;"), 9, "down;");
  auto back = parse_upstream(kWeb, text, "f.conf");
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.error().message, HasSubstr("disagree"));

  auto foreign = parse_upstream(kWeb, "upstream x { server a:1; }\n", "f.conf");
  ASSERT_FALSE(foreign.ok());
  EXPECT_THAT(foreign.error().message, HasSubstr("not a file rewind wrote"));
}

TEST(BackendRulesTest, AcceptsColorsAndTracks) {
  EXPECT_TRUE(validate_backends(
                  kWeb, {{"stable", "app.internal:8080", 90}, {"canary", "10.0.0.5:8080", 10}})
                  .ok());
  EXPECT_TRUE(validate_release_key({"team-a", "web.v2"}).ok());
}

TEST(BackendRulesTest, RefusesWhatNginxCannotTakeNamingTheField) {
  struct Case {
    std::vector<Backend> backends;
    std::string expected;
  };
  const std::vector<Case> cases{
      {{}, "no backends"},
      {{{"blue", "127.0.0.1:1", 0}, {"green", "127.0.0.1:2", 0}}, "every backend has weight 0"},
      {{{"Blue", "127.0.0.1:1", 1}}, "backends[0].name \"Blue\""},
      {{{"blue", "127.0.0.1:1", 1}, {"blue", "127.0.0.1:2", 1}},
       "backends[1].name \"blue\" appears"},
      {{{"blue", "127.0.0.1", 1}}, "address \"127.0.0.1\" is not host:port"},
      {{{"blue", "127.0.0.1:0", 1}}, "address \"127.0.0.1:0\""},
      {{{"blue", "a:1; include /etc/x", 1}}, "is not host:port"},
      {{{"blue", "h:1", 101}}, "weight 101 is out of range (allowed: 0..100)"},
      {{{"blue", "h:1", -1}}, "weight -1"},
  };
  for (const auto& c : cases) {
    auto st = validate_backends(kWeb, c.backends);
    ASSERT_FALSE(st.ok()) << c.expected;
    EXPECT_EQ(st.error().kind, model::ErrorKind::kInvalidSpec);
    EXPECT_THAT(st.error().message, HasSubstr("Release default/web"));
    EXPECT_THAT(st.error().message, HasSubstr(c.expected));
  }
}

TEST(BackendRulesTest, RefusesKeysThatCannotNameAFile) {
  EXPECT_FALSE(validate_release_key({"default", "../etc"}).ok());
  EXPECT_FALSE(validate_release_key({"", "web"}).ok());
  auto st = validate_release_key({"default", "Web"});
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("name \"Web\""));
}

TEST(WorkersReplacedTest, AllWorkersMustBeNew) {
  EXPECT_TRUE(workers_replaced({10, 11}, {20, 21}));
  EXPECT_FALSE(workers_replaced({10, 11}, {10, 21}));
  EXPECT_FALSE(workers_replaced({10, 11}, {10, 11}));
  EXPECT_FALSE(workers_replaced({10}, {}));
  EXPECT_TRUE(workers_replaced({}, {5}));
}

}  // namespace
}  // namespace rwd::router
