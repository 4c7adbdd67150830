// `rewind rollback`'s command line: defaults, every flag, and the errors a
// typo at 3 am gets.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/cli/rollback.hpp"

namespace rwd::cli {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::variant<RollbackOptions, int> result;
  std::string out;
  std::string err;
};

Parsed parse(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  auto r = parse_rollback_options(args, out, err);
  return {std::move(r), out.str(), err.str()};
}

const RollbackOptions& options(const Parsed& p) {
  EXPECT_TRUE(std::holds_alternative<RollbackOptions>(p.result)) << p.err;
  return std::get<RollbackOptions>(p.result);
}

int code(const Parsed& p) {
  EXPECT_TRUE(std::holds_alternative<int>(p.result));
  return std::holds_alternative<int>(p.result) ? std::get<int>(p.result) : -1;
}

TEST(RollbackOptions, Defaults) {
  const Parsed p = parse({"api"});
  const RollbackOptions& o = options(p);
  EXPECT_EQ(o.release, "api");
  EXPECT_EQ(o.ns, "default");
  EXPECT_EQ(o.to.kind, model::RollbackTarget::Kind::kPrevious);
  EXPECT_EQ(o.components,
            (std::vector<model::Component>{model::Component::kImage, model::Component::kConfig,
                                           model::Component::kMigration}));
  EXPECT_EQ(o.reason, "");
  EXPECT_FALSE(o.dry_run);
  EXPECT_FALSE(o.emergency);
  EXPECT_FALSE(o.yes);
  EXPECT_FALSE(o.no_wait);
  EXPECT_EQ(o.state_dir, "/var/lib/rewind");
  EXPECT_FALSE(o.docker.has_value());
  EXPECT_EQ(o.timeout, std::chrono::minutes(10));
  EXPECT_EQ(o.log.format, LogFormat::kText);
  EXPECT_EQ(o.log.level, spdlog::level::warn);
}

TEST(RollbackOptions, EveryFlag) {
  const Parsed p = parse({"api",
                          "-n",
                          "shop",
                          "--to",
                          "3",
                          "--components",
                          "image, config,image",
                          "--reason",
                          "5xx after v1.2.4",
                          "--dry-run",
                          "--emergency",
                          "-y",
                          "--state-dir",
                          "/srv/state",
                          "--docker",
                          "tcp://10.0.0.5:2375",
                          "--timeout",
                          "90s",
                          "--no-wait",
                          "--log-format",
                          "json",
                          "--log-level",
                          "debug"});
  const RollbackOptions& o = options(p);
  EXPECT_EQ(o.ns, "shop");
  EXPECT_EQ(o.to.kind, model::RollbackTarget::Kind::kRevision);
  EXPECT_EQ(o.to.revision, model::RevisionNumber{3});
  EXPECT_EQ(o.components,
            (std::vector<model::Component>{model::Component::kImage, model::Component::kConfig}));
  EXPECT_EQ(o.reason, "5xx after v1.2.4");
  EXPECT_TRUE(o.dry_run);
  EXPECT_TRUE(o.emergency);
  EXPECT_TRUE(o.yes);
  EXPECT_TRUE(o.no_wait);
  EXPECT_EQ(o.state_dir, "/srv/state");
  EXPECT_EQ(o.docker, "tcp://10.0.0.5:2375");
  EXPECT_EQ(o.timeout, std::chrono::seconds(90));
  EXPECT_EQ(o.log.format, LogFormat::kJson);
  EXPECT_EQ(o.log.level, spdlog::level::debug);
}

TEST(RollbackOptions, NamedTargets) {
  EXPECT_EQ(options(parse({"api", "--to", "lastKnownGood"})).to.kind,
            model::RollbackTarget::Kind::kLastKnownGood);
  EXPECT_EQ(options(parse({"api", "--to", "previous"})).to.kind,
            model::RollbackTarget::Kind::kPrevious);
}

TEST(RollbackOptions, UsageErrorsNameTheFlagTheValueAndWhatIsAllowed) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "NAME (the Release to roll back) is required"},
      {{"api", "--to", "0"},
       "--to \"0\" is not a rollback target (allowed: previous, lastKnownGood, or a revision "
       "number >= 1)"},
      {{"api", "--to", "last"}, "--to \"last\" is not a rollback target"},
      {{"api", "--components", "image,db"},
       "--components: \"db\" is not a component (allowed: image, config, migration)"},
      {{"api", "--components", ""}, "--components: \"\" is not a component"},
      {{"api", "--timeout", "0s"}, "--timeout \"0s\" is not a positive duration"},
      {{"api", "--timeout", "soon"}, "--timeout \"soon\" is not a positive duration"},
      {{"api", "--log-format", "xml"}, "--log-format \"xml\" is not one of text, json"},
      {{"api", "--log-level", "loud"},
       "--log-level \"loud\" is not one of trace, debug, info, warn, error, critical, off"},
      {{"api", "--bogus"}, "unrecognised option '--bogus'"},
      {{"api", "web"}, "too many positional options"},
  };
  for (const auto& c : cases) {
    const Parsed p = parse(c.args);
    EXPECT_EQ(code(p), 2) << c.message;
    EXPECT_THAT(p.err, HasSubstr("rewind rollback: ")) << c.message;
    EXPECT_THAT(p.err, HasSubstr(c.message));
    EXPECT_THAT(p.err, HasSubstr("rewind rollback --help"));
    EXPECT_EQ(p.out, "");
  }
}

TEST(RollbackOptions, HelpExplainsBothModesAndEmergency) {
  const Parsed p = parse({"--help"});
  EXPECT_EQ(code(p), 0);
  EXPECT_THAT(p.out, HasSubstr("Usage: rewind rollback NAME [options]"));
  EXPECT_THAT(p.out, HasSubstr("<state-dir>/requests/"));
  EXPECT_THAT(p.out, HasSubstr("No watcher runs"));
  EXPECT_THAT(p.out, HasSubstr("never skipped"));
  for (const char* flag :
       {"--namespace", "--to", "--components", "--reason", "--dry-run", "--emergency", "--yes",
        "--state-dir", "--docker", "--timeout", "--no-wait", "--log-format", "--log-level"}) {
    EXPECT_THAT(p.out, HasSubstr(flag));
  }
  EXPECT_EQ(p.err, "");
}

}  // namespace
}  // namespace rwd::cli

namespace rwd::cli {
namespace {

TEST(RollbackOptions, NginxRouterOnThisHostOrInAContainer) {
  EXPECT_TRUE(options(parse({"api"})).nginx.upstream_dir.empty()) << "no router by default";
  const Parsed local = parse({"api", "--nginx-upstream-dir", "/etc/nginx/rewind", "--nginx-conf",
                              "/etc/nginx/nginx.conf", "--nginx-pid-file", "/run/nginx.pid"});
  const NginxOptions& n = options(local).nginx;
  EXPECT_EQ(n.upstream_dir, "/etc/nginx/rewind");
  EXPECT_EQ(n.main_config, "/etc/nginx/nginx.conf");
  EXPECT_EQ(n.pid_file, "/run/nginx.pid");
  EXPECT_EQ(n.binary, "/usr/sbin/nginx");
  EXPECT_TRUE(n.container.empty());
  const Parsed boxed =
      parse({"api", "--nginx-upstream-dir", "/srv/proxy/rewind", "--nginx-container", "proxy"});
  EXPECT_EQ(options(boxed).nginx.container, "proxy");
}

TEST(RollbackOptions, NginxOptionsThatCannotWorkAreNamed) {
  const Parsed no_dir = parse({"api", "--nginx-conf", "/etc/nginx/nginx.conf"});
  EXPECT_EQ(code(no_dir), 2);
  EXPECT_THAT(no_dir.err, HasSubstr("need --nginx-upstream-dir"));
  const Parsed no_pid = parse({"api", "--nginx-upstream-dir", "/d", "--nginx-conf", "/c"});
  EXPECT_EQ(code(no_pid), 2);
  EXPECT_THAT(no_pid.err, HasSubstr("--nginx-pid-file"));
  const Parsed both = parse({"api", "--nginx-upstream-dir", "/d", "--nginx-conf", "/c",
                             "--nginx-pid-file", "/p", "--nginx-container", "proxy"});
  EXPECT_EQ(code(both), 2);
  EXPECT_THAT(both.err, HasSubstr("contradict"));
}

}  // namespace
}  // namespace rwd::cli
