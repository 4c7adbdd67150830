#include "rewind/postgres/database_url.hpp"

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace rwd::postgres {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(DatabaseUrl, DisplayDropsThePasswordAndQuery) {
  const DatabaseUrl url("postgresql://app:s3cr%40t@db.internal:5432/shop?sslmode=require");
  EXPECT_EQ(url.display(), "postgresql://app@db.internal:5432/shop");
  EXPECT_EQ(url.secret(), "postgresql://app:s3cr%40t@db.internal:5432/shop?sslmode=require");
}

TEST(DatabaseUrl, RedactRemovesUrlAndPasswordInBothEncodings) {
  const DatabaseUrl url("postgres://app:s3cr%40t@db:5432/shop");
  const std::string text =
      "could not connect to postgres://app:s3cr%40t@db:5432/shop; password s3cr@t; raw s3cr%40t";
  const std::string out = url.redact(text);
  EXPECT_EQ(out.find("s3cr"), std::string::npos) << out;
  EXPECT_NE(out.find("postgres://app@db:5432/shop"), std::string::npos) << out;
}

TEST(DatabaseUrl, KeyValueConnectionStrings) {
  const DatabaseUrl url("host=db port=5432 user=app password='p w d' dbname=shop");
  EXPECT_EQ(url.display().find("p w d"), std::string::npos) << url.display();
  EXPECT_NE(url.display().find("password=***"), std::string::npos) << url.display();
  EXPECT_EQ(url.redact("auth failed with p w d").find("p w d"), std::string::npos);
}

TEST(DatabaseUrl, RedactCredentialsCatchesOtherUrlsAndPasswordParameters) {
  EXPECT_EQ(redact_credentials("see postgresql://u:other@h/db and PASSWORD = hunter2 x"),
            "see postgresql://u:***@h/db and password=*** x");
  EXPECT_EQ(redact_credentials("postgresql://u@h/db"), "postgresql://u@h/db");
}

TEST(ResolveDatabaseUrl, FromEnvironment) {
  model::UrlSource from;
  from.env = "DATABASE_URL";
  auto url = resolve_database_url(from, env_of({{"DATABASE_URL", "postgresql://a:b@h/d"}}));
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(url->secret(), "postgresql://a:b@h/d");
}

TEST(ResolveDatabaseUrl, MissingOrEmptyVariableNamesIt) {
  model::UrlSource from;
  from.env = "DATABASE_URL";
  for (const auto& vars : {std::map<std::string, std::string>{},
                           std::map<std::string, std::string>{{"DATABASE_URL", ""}}}) {
    auto url = resolve_database_url(from, env_of(vars));
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.error().code, MigrationCode::kInvalid);
    EXPECT_NE(url.error().message().find("urlFrom.env"), std::string::npos);
    EXPECT_NE(url.error().message().find("DATABASE_URL"), std::string::npos);
  }
}

TEST(ResolveDatabaseUrl, FromFileTrimsTheTrailingNewline) {
  const auto path =
      std::filesystem::temp_directory_path() / ("rewind-url-test-" + std::to_string(::getpid()));
  std::ofstream(path) << "postgresql://a:b@h/d\n";
  model::UrlSource from;
  from.file = path.string();
  auto url = resolve_database_url(from, env_of({}));
  std::filesystem::remove(path);
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(url->secret(), "postgresql://a:b@h/d");
}

TEST(ResolveDatabaseUrl, UnreadableFileNamesThePath) {
  model::UrlSource from;
  from.file = "/nonexistent/rewind/db-url";
  auto url = resolve_database_url(from, env_of({}));
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.error().message().find("urlFrom.file: cannot read /nonexistent/rewind/db-url"),
            std::string::npos)
      << url.error().message();
}

TEST(ResolveDatabaseUrl, SecretKeyRefIsKubernetesOnly) {
  model::UrlSource from;
  from.secret_key_ref = model::SecretKeyRef{"db", "url"};
  auto url = resolve_database_url(from, env_of({}));
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.error().message().find("only available in Kubernetes mode"), std::string::npos)
      << url.error().message();
}

TEST(ResolveDatabaseUrl, SecretKeyRefIsLookedUpInTheReleasesNamespace) {
  model::UrlSource from;
  from.secret_key_ref = model::SecretKeyRef{"db", "url"};
  std::string asked;
  SecretLookup secrets = [&](const std::string& ns, const model::SecretKeyRef& ref) {
    asked = ns + "/" + ref.name + "#" + ref.key;
    return model::Result<std::string>(std::string("postgresql://app:pw@db:5432/app\n"));
  };
  auto url = resolve_database_url(from, env_of({}), secrets, "shop");
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(asked, "shop/db#url");
  EXPECT_EQ(url.value().secret(), "postgresql://app:pw@db:5432/app");  // the newline trimmed
  SecretLookup missing = [](const std::string&, const model::SecretKeyRef&) {
    return model::Result<std::string>(model::Error::terminal("Secret shop/db does not exist"));
  };
  auto none = resolve_database_url(from, env_of({}), missing, "shop");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(),
            "migration.database.urlFrom.secretKeyRef: Secret shop/db does not exist");
}

}  // namespace
}  // namespace rwd::postgres

namespace rwd::postgres {
namespace {

TEST(DatabaseUrl, WithDatabaseKeepsTheFormServerAndOptions) {
  EXPECT_EQ(DatabaseUrl("postgresql://app:p%2Fw@db:5432/shop?sslmode=disable")
                .with_database("shop_rewind_drill_1")
                .secret(),
            "postgresql://app:p%2Fw@db:5432/shop_rewind_drill_1?sslmode=disable");
  EXPECT_EQ(DatabaseUrl("postgres://db").with_database("x").secret(), "postgres://db/x");
  EXPECT_EQ(DatabaseUrl("postgres://u@db:5/?a=b").with_database("x").secret(),
            "postgres://u@db:5/x?a=b");
  EXPECT_EQ(DatabaseUrl("host=db dbname='shop' password=secret").with_database("x").secret(),
            "host=db dbname='x' password=secret");
  EXPECT_EQ(DatabaseUrl("host=db password=secret").with_database("x").secret(),
            "host=db password=secret dbname='x'");
  // The password is still known, so it is still redacted.
  const DatabaseUrl copy = DatabaseUrl("postgresql://app:hunter2@db/shop").with_database("x");
  EXPECT_EQ(copy.redact("failed: hunter2"), "failed: ***");
  EXPECT_EQ(copy.display(), "postgresql://app@db/x");
}

}  // namespace
}  // namespace rwd::postgres
