#include "../../../controller/postgres/child_process.hpp"

#include <gtest/gtest.h>

namespace rwd::postgres::detail {
namespace {

using std::chrono::milliseconds;

ChildResult run(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                milliseconds timeout = milliseconds(10'000), std::size_t cap = 64 * 1024) {
  ChildRequest request;
  request.argv = std::move(argv);
  request.env = std::move(env);
  request.timeout = timeout;
  request.output_cap = cap;
  return run_child(request);
}

TEST(ChildProcess, ExitCodeAndOutputs) {
  const auto r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.started) << r.spawn_error;
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.outcome(milliseconds(1)), "exit 3");
  EXPECT_TRUE(run({"true"}).succeeded());
}

TEST(ChildProcess, RunsInTheRequestedWorkingDirectory) {
  ChildRequest request;
  request.argv = {"pwd"};
  request.cwd = "/usr/share";
  const auto r = run_child(request);
  ASSERT_TRUE(r.succeeded()) << r.err;
  EXPECT_EQ(r.out, "/usr/share\n");
}

TEST(ChildProcess, ArgumentsAreNotInterpretedByAShell) {
  const auto r = run({"echo", "$HOME; rm -rf /", "`id`"});
  ASSERT_TRUE(r.succeeded());
  EXPECT_EQ(r.out, "$HOME; rm -rf / `id`\n");
}

TEST(ChildProcess, EnvironmentIsAddedForTheChildOnly) {
  const auto r = run({"sh", "-c", "printf '%s|%s' \"$REWIND_TEST_VAR\" \"$PATH\""},
                     {{"REWIND_TEST_VAR", "s3cret value"}});
  ASSERT_TRUE(r.succeeded()) << r.err;
  EXPECT_TRUE(r.out.starts_with("s3cret value|")) << r.out;
  EXPECT_GT(r.out.size(), std::string("s3cret value|").size());  // PATH inherited
  EXPECT_EQ(std::getenv("REWIND_TEST_VAR"), nullptr);  // NOLINT(concurrency-mt-unsafe)
}

TEST(ChildProcess, TimeoutKillsTheChild) {
  const auto r = run({"sleep", "5"}, {}, milliseconds(100));
  ASSERT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, 9);
  EXPECT_LT(r.elapsed, milliseconds(3000));
  EXPECT_EQ(r.outcome(milliseconds(100)), "killed after 100ms (timeout)");
}

TEST(ChildProcess, TimeoutKillsGrandchildrenToo) {
  // The shell's child keeps the pipes open; the whole process group goes.
  const auto r = run({"sh", "-c", "sleep 5; echo never"}, {}, milliseconds(100));
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.elapsed, milliseconds(3000));
  EXPECT_EQ(r.out, "");
}

TEST(ChildProcess, OutputIsCapped) {
  const auto r = run({"sh", "-c", "head -c 100000 /dev/zero"}, {}, milliseconds(10'000), 1000);
  ASSERT_TRUE(r.succeeded());
  EXPECT_EQ(r.out.size(), 1000U);
  EXPECT_TRUE(r.out_truncated);
}

TEST(ChildProcess, MissingProgramIsNotStarted) {
  const auto r = run({"rewind-no-such-program-xyz"});
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.spawn_error.find("rewind-no-such-program-xyz"), std::string::npos);
  EXPECT_NE(r.outcome(milliseconds(1)).find("not started"), std::string::npos);
}

TEST(ChildProcess, FirstLines) {
  EXPECT_EQ(first_lines("a\n\nb\nc\n", 2), "a; b");
  EXPECT_EQ(first_lines(""), "(no output on stderr)");
}

TEST(PgEnvironment, FromUrlWithoutArgv) {
  const DatabaseUrl url("postgresql://app:p%40ss@db.local:6543/shop?sslmode=require");
  std::string error;
  const auto info = parse_conninfo(url, &error);
  ASSERT_TRUE(info) << error;
  const auto env = pg_environment(*info, milliseconds(2500));
  EXPECT_EQ(env.at("PGHOST"), "db.local");
  EXPECT_EQ(env.at("PGPORT"), "6543");
  EXPECT_EQ(env.at("PGUSER"), "app");
  EXPECT_EQ(env.at("PGPASSWORD"), "p@ss");
  EXPECT_EQ(env.at("PGDATABASE"), "shop");
  EXPECT_EQ(env.at("PGSSLMODE"), "require");
  EXPECT_EQ(env.at("PGCONNECT_TIMEOUT"), "3");
  EXPECT_EQ(pg_environment(*info, milliseconds(1), std::string("other")).at("PGDATABASE"),
            "other");
}

TEST(PgEnvironment, KeyValueUrlAndParseErrorsAreRedacted) {
  const DatabaseUrl kv("host=h password='x y' dbname=d connect_timeout=7");
  const auto info = parse_conninfo(kv, nullptr);
  ASSERT_TRUE(info);
  const auto env = pg_environment(*info, milliseconds(1000));
  EXPECT_EQ(env.at("PGPASSWORD"), "x y");
  EXPECT_EQ(env.at("PGCONNECT_TIMEOUT"), "7");
  EXPECT_FALSE(env.contains("PGSSLMODE"));
  std::string error;
  EXPECT_FALSE(parse_conninfo(DatabaseUrl("postgresql://u:Secret99@h/d?bogus=1"), &error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find("Secret99"), std::string::npos) << error;
}

TEST(PgTool, ResolvesOnlyDefaultNames) {
  EXPECT_EQ(resolve_pg_tool("/opt/pg/bin/pg_dump"), "/opt/pg/bin/pg_dump");
  EXPECT_EQ(resolve_pg_tool("my_dump"), "my_dump");
  const auto dump = resolve_pg_tool("pg_dump");
  EXPECT_TRUE(dump == "pg_dump" || dump.ends_with("/bin/pg_dump")) << dump;
}

TEST(PgTool, ConnectionFailures) {
  EXPECT_TRUE(is_connection_failure(
      "pg_dump: error: connection to server at \"127.0.0.1\", port 1 failed: Connection refused"));
  EXPECT_FALSE(is_connection_failure("pg_dump: error: query failed: permission denied"));
}

}  // namespace
}  // namespace rwd::postgres::detail
