// `rewind status` and `rewind history` read what the watcher wrote.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/cli/app.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/http/server.hpp"
#include "rewind/model/codec.hpp"
#include "rewind/model/revision.hpp"

#include "cli_run.hpp"
#include "temp_dir.hpp"

namespace rwd::cli {
namespace {

using rwd::testing::CliRun;
using rwd::testing::expect_same_output;
using rwd::testing::run_cli;
using rwd::testing::TempDir;
using ::testing::HasSubstr;

// `webhook`: a spec.notify URL of the Release and of each revision.
void write_state(const TempDir& dir, const std::string& webhook = "") {
  model::Release r;
  r.metadata.name = "api";
  r.metadata.ns = "shop";
  r.metadata.generation = 3;
  r.spec.target.docker = model::DockerTarget{"shop", "api"};
  r.spec.image = model::ImageRef{"demo:v1"};
  if (!webhook.empty()) r.spec.notify.push_back(model::NotifySpec{model::WebhookSpec{webhook}});
  r.status.phase = model::ReleasePhase::kHealthy;
  r.status.current_revision = model::RevisionNumber{1};
  r.status.stable_revision = model::RevisionNumber{1};
  const auto t = *model::parse_timestamp("2026-11-21T08:00:00Z");
  r.status.last_rollback =
      model::LastRollback{model::RevisionNumber{2},    model::RevisionNumber{1},
                          "RevertedInSource",          t,
                          t + std::chrono::seconds(3), 3.0};
  r.status.conditions.push_back(
      {"Ready", model::ConditionStatus::kTrue, "Healthy", "revision 1 is healthy", t, 3});
  auto statuses = history::FileStatusStore::open({dir.path(), {}});
  ASSERT_TRUE(statuses);
  ASSERT_TRUE((*statuses)->write(r));

  model::History h;
  for (int n = 1; n <= 2; ++n) {
    model::RevisionRecord rec;
    rec.number = model::RevisionNumber{n};
    rec.spec = r.spec;
    rec.spec.image = model::ImageRef{"demo:v" + std::to_string(n)};
    rec.revision = model::revision_of(rec.spec, {});
    rec.hash = model::revision_hash(rec.revision);
    rec.created_at = t;
    rec.live_at = t;
    rec.env_files = {{"./api.env", "SECRET=hunter2\n"}};
    rec.outcome = n == 1 ? model::RevisionOutcome::kHealthy : model::RevisionOutcome::kRolledBack;
    h.revisions.push_back(rec);
  }
  auto histories = history::FileHistoryStore::open({dir.path(), {}});
  ASSERT_TRUE(histories);
  ASSERT_TRUE((*histories)->save(r.metadata.key(), h));
}

TEST(StatusCommand, ListsAndDetailsReleasesFromTheStateDirectory) {
  TempDir dir;
  write_state(dir);
  const CliRun list = run_cli({"status", "--state-dir", dir.str()});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("NAMESPACE"));
  EXPECT_THAT(list.out, ::testing::ContainsRegex("shop +api +Healthy +1 +1 +True +demo:v1"));

  const CliRun one = run_cli({"status", "api", "-n", "shop", "--state-dir", dir.str()});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_THAT(one.out, HasSubstr("last rollback: 2 -> 1 (RevertedInSource)"));
  EXPECT_THAT(one.out, HasSubstr("revision 1 is healthy"));

  const CliRun missing = run_cli({"status", "web", "-n", "shop", "--state-dir", dir.str()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no Release shop/web"));
}

TEST(HistoryCommand, ListsRevisionsAndNeverPrintsEnvFileContents) {
  TempDir dir;
  write_state(dir);
  const CliRun table = run_cli({"history", "api", "-n", "shop", "--state-dir", dir.str()});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, ::testing::ContainsRegex("1 +[a-z0-9]{10} +demo:v1 .*Healthy"));
  EXPECT_THAT(table.out, ::testing::ContainsRegex("2 +[a-z0-9]{10} +demo:v2 .*RolledBack"));
  const CliRun json =
      run_cli({"history", "api", "-n", "shop", "--state-dir", dir.str(), "-o", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"outcome\": \"RolledBack\""));
  EXPECT_THAT(json.out + table.out, ::testing::Not(HasSubstr("hunter2")));
}

// A webhook URL's userinfo, path and query are often its secret: status and
// history show it as the logs do.
TEST(StateCommands, WebhookUrlsAreShownMaskedWithoutTheirSecrets) {
  TempDir dir;
  write_state(dir, "https://hook-user:hunter3@hooks.example/services/T0/B0/xyz?token=tok42");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status", "-o", "json"},
        std::vector<std::string>{"status", "api", "-n", "shop", "-o", "json"},
        std::vector<std::string>{"history", "api", "-n", "shop", "-o", "json"}}) {
    auto with_dir = args;
    with_dir.insert(with_dir.end(), {"--state-dir", dir.str()});
    const CliRun r = run_cli(with_dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("\"https://***@hooks.example/services/***?token=***\""))
        << args.front();
    for (const char* secret : {"hunter3", "tok42", "xyz"}) {
      EXPECT_THAT(r.out, ::testing::Not(HasSubstr(secret))) << args.front();
    }
  }
}

// A watcher's API on loopback, serving what the state directory holds (as
// `rewind watch` does).
class ServedState {
 public:
  explicit ServedState(const TempDir& dir) {
    auto provider = std::make_shared<http::InMemoryResourceProvider>();
    auto statuses = history::FileStatusStore::open({dir.path(), {}});
    auto histories = history::FileHistoryStore::open({dir.path(), {}});
    const model::ObjectKey key{"shop", "api"};
    provider->set_releases({model::to_json(*(*(*statuses)->read_release(key)))});
    model::Json h = model::to_json(*(*histories)->load(key));
    for (auto& rec : h["revisions"]) rec.erase("envFileContents");
    provider->set_history(key, h);
    http::Router router;
    http::add_standard_routes(router, {{}, {}, provider});
    http::ServerOptions options;
    options.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<http::Server>(options, std::move(router));
    EXPECT_TRUE(server_->start());
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port());
  }

 private:
  std::unique_ptr<http::Server> server_;
};

TEST(StateCommands, ServerGivesTheSameOutputAsTheStateDirectory) {
  TempDir dir;
  write_state(dir);
  ServedState served(dir);
  const std::vector<std::vector<std::string>> commands = {
      {"status"},
      {"status", "-o", "json"},
      {"status", "api", "-n", "shop"},
      {"status", "api", "-n", "shop", "-o", "json"},
      {"history", "api", "-n", "shop"},
      {"history", "api", "-n", "shop", "-o", "json"},
  };
  expect_same_output(
      commands, {"--state-dir", dir.str()}, {"--server", served.url()},
      [](const std::string& out) { EXPECT_THAT(out, ::testing::Not(HasSubstr("hunter2"))); });
}

TEST(StateCommands, ServerErrorsSayWhere) {
  TempDir dir;
  write_state(dir);
  ServedState served(dir);
  const CliRun missing = run_cli({"status", "web", "-n", "shop", "--server", served.url()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no Release shop/web at " + served.url()));
  const CliRun no_history =
      run_cli({"history", "web", "-n", "shop", "--server", served.url() + "/"});
  EXPECT_EQ(no_history.code, 1);
  EXPECT_THAT(no_history.err, HasSubstr("no history for Release shop/web at " + served.url()));
  const CliRun bad_url = run_cli({"status", "--server", "ftp://x"});
  EXPECT_EQ(bad_url.code, 1);
  EXPECT_THAT(bad_url.err, HasSubstr("rewind status: --server: "));
}

TEST(StateCommands, MissingStateDirectoryIsAClearUsageError) {
  const CliRun r = run_cli({"status", "--state-dir", "/nonexistent/rewind-state"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no state directory at /nonexistent/rewind-state"));
  EXPECT_EQ(run_cli({"history"}).code, 2);
  EXPECT_THAT(run_cli({"history", "--help"}).out, HasSubstr("Usage: rewind history NAME"));
}

}  // namespace
}  // namespace rwd::cli
