// The watcher's promote/abort/retry routes, through the router without
// sockets: the token, the answers, and what reaches the CommandBox.

#include "rewind/cli/command_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::cli {
namespace {

using ::testing::HasSubstr;

struct Routes {
  execute::CommandBox box;
  std::vector<model::ObjectKey> queued;
  http::Router router;

  explicit Routes(http::BearerAuth auth) : router(std::move(auth)) {
    add_command_routes(
        router, {box,
                 [](const model::ObjectKey& key) -> std::optional<model::ReleaseStatus> {
                   model::ReleaseStatus s;
                   if (key.name == "api") {
                     s.phase = model::ReleasePhase::kPaused;
                     s.progress =
                         model::PlanProgress{model::RevisionNumber{2}, "h", 3, false, std::nullopt};
                     return s;
                   }
                   if (key.name == "idle") return s;
                   return std::nullopt;
                 },
                 [this](const model::ObjectKey& key) { queued.push_back(key); },
                 [] { return *model::parse_timestamp("2026-11-21T08:00:00Z"); }});
  }

  http::ServerResponse post(const std::string& path, const std::string& token = "s3cret") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    auto req = http::make_request("POST", path, headers, "");
    EXPECT_TRUE(req.ok());
    return router.handle(*req);
  }
};

TEST(CommandRoutes, APromoteWithTheTokenIsQueuedForTheRelease) {
  Routes r(http::BearerAuth("s3cret"));
  const auto res = r.post("/api/v1/releases/shop/api/promote");
  EXPECT_EQ(res.status, 202) << res.body;
  EXPECT_THAT(res.body, HasSubstr("\"command\":\"promote\""));
  const auto taken = r.box.take({"shop", "api"});
  ASSERT_EQ(taken.size(), 1U);
  EXPECT_EQ(taken[0].kind, execute::CommandKind::kPromote);
  EXPECT_EQ(r.queued, (std::vector<model::ObjectKey>{{"shop", "api"}}));
  EXPECT_TRUE(r.box.take({"shop", "api"}).empty()) << "taken once";
}

TEST(CommandRoutes, WithoutTheRightTokenNothingIsQueued) {
  Routes r(http::BearerAuth("s3cret"));
  EXPECT_EQ(r.post("/api/v1/releases/shop/api/abort", "").status, 401);
  EXPECT_EQ(r.post("/api/v1/releases/shop/api/abort", "wrong").status, 401);
  Routes disabled{http::BearerAuth()};
  const auto res = disabled.post("/api/v1/releases/shop/api/abort");
  EXPECT_EQ(res.status, 403);
  EXPECT_THAT(res.body, HasSubstr("--token-file"));
  EXPECT_TRUE(r.box.take({"shop", "api"}).empty());
  EXPECT_TRUE(disabled.box.take({"shop", "api"}).empty());
  EXPECT_TRUE(r.queued.empty());
}

TEST(CommandRoutes, UnknownReleasesAndIdleOnesAreRefusedSayingWhy) {
  Routes r(http::BearerAuth("s3cret"));
  const auto unknown = r.post("/api/v1/releases/shop/nope/promote");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("shop/nope"));
  const auto idle = r.post("/api/v1/releases/shop/idle/abort");
  EXPECT_EQ(idle.status, 409);
  EXPECT_THAT(idle.body, HasSubstr("no plan is running"));
  EXPECT_EQ(r.post("/api/v1/releases/shop/idle/retry").status, 202) << "the reconciler decides";
  EXPECT_EQ(r.post("/api/v1/releases/shop/api/rollout").status, 404);
  EXPECT_EQ(r.queued.size(), 1U);
}

}  // namespace
}  // namespace rwd::cli
