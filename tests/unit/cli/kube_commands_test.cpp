// `rewind status`, `history` and `rollback` with --kubeconfig/--context/--kube:
// the options, their conflicts, and what is printed against an API server on
// loopback that answers the few paths the commands read (the real
// kube-apiserver is in tests/integration/kube/cli_test.cpp).

#include <mutex>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/cli/rollback.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/http/server.hpp"
#include "rewind/kube/objects.hpp"
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
using ::testing::Not;
using Json = model::Json;

constexpr const char* kGroup = "/apis/rewind.dev/v1alpha1";

model::Release release() {
  model::Release r;
  r.metadata.name = "api";
  r.metadata.ns = "shop";
  r.metadata.generation = 2;
  r.spec.target.kubernetes = model::KubernetesTarget{"api", "app", "shop", ""};
  r.spec.image = model::ImageRef{"demo:v2"};
  r.status.phase = model::ReleasePhase::kHealthy;
  r.status.current_revision = model::RevisionNumber{2};
  r.status.stable_revision = model::RevisionNumber{2};
  const auto t = *model::parse_timestamp("2026-11-21T08:00:00Z");
  r.status.conditions.push_back(
      {"Ready", model::ConditionStatus::kTrue, "Healthy", "revision 2 is healthy", t, 2});
  return r;
}

model::History history() {
  const auto t = *model::parse_timestamp("2026-11-21T08:00:00Z");
  model::History h;
  for (int n = 1; n <= 2; ++n) {
    model::RevisionRecord rec;
    rec.number = model::RevisionNumber{n};
    rec.spec = release().spec;
    rec.spec.image = model::ImageRef{"demo:v" + std::to_string(n)};
    rec.revision = model::revision_of(rec.spec, {});
    rec.hash = model::revision_hash(rec.revision);
    rec.created_at = t;
    rec.live_at = t;
    rec.outcome = model::RevisionOutcome::kHealthy;
    h.revisions.push_back(rec);
  }
  return h;
}

void write_state_dir(const TempDir& dir) {
  auto statuses = history::FileStatusStore::open({dir.path(), {}});
  ASSERT_TRUE(statuses);
  ASSERT_TRUE((*statuses)->write(release()));
  auto histories = history::FileHistoryStore::open({dir.path(), {}});
  ASSERT_TRUE(histories);
  ASSERT_TRUE((*histories)->save(release().metadata.key(), history()));
}

http::ServerResponse not_found(const std::string& what) {
  return http::ServerResponse::json(404, Json{{"kind", "Status"},
                                              {"status", "Failure"},
                                              {"reason", "NotFound"},
                                              {"code", 404},
                                              {"message", what + " not found"}});
}

// Answers like kube-apiserver with rewind's CRDs and one Release shop/api
// (or, with crds = false, like one without them: 404 for every path).
class FakeApiServer {
 public:
  explicit FakeApiServer(bool crds = true) {
    http::Router router;
    if (crds) add_routes(router);
    http::ServerOptions options;
    options.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<http::Server>(options, std::move(router));
    EXPECT_TRUE(server_->start());
    kubeconfig_ = dir_.write("kubeconfig",
                             "apiVersion: v1\nkind: Config\nclusters:\n"
                             "- name: test\n  cluster:\n    server: http://127.0.0.1:" +
                                 std::to_string(server_->port()) +
                                 "\ncontexts:\n- name: test\n  context:\n"
                                 "    cluster: test\n    namespace: shop\n"
                                 "current-context: test\n");
  }
  [[nodiscard]] const std::string& kubeconfig() const { return kubeconfig_; }
  [[nodiscard]] std::vector<Json> created() const {
    const std::lock_guard lock(mu_);
    return created_;
  }

 private:
  void add_routes(http::Router& router) {
    Json object = model::to_json(release());
    object["status"] = kube::release_status_json(release(), history());
    const Json list{{"kind", "ReleaseList"},
                    {"metadata", {{"resourceVersion", "7"}}},
                    {"items", Json::array({object})}};
    router.get(kGroup, [](const http::ServerRequest&) {
      return http::ServerResponse::json(
          200,
          Json{{"kind", "APIResourceList"},
               {"resources", Json::array({Json{{"name", "releases"}}, Json{{"name", "rollbacks"}},
                                          Json{{"name", "releases/status"}}})}});
    });
    router.get(std::string(kGroup) + "/releases", [list](const http::ServerRequest&) {
      return http::ServerResponse::json(200, list);
    });
    router.get(std::string(kGroup) + "/namespaces/{ns}/releases", [list](const auto& req) {
      Json l = list;
      if (req.param("ns") != "shop") l["items"] = Json::array();
      return http::ServerResponse::json(200, l);
    });
    router.get(std::string(kGroup) + "/namespaces/{ns}/releases/{name}",
               [object](const http::ServerRequest& req) {
                 if (req.param("ns") != "shop" || req.param("name") != "api") {
                   return not_found("releases.rewind.dev \"" + req.param("name") + "\"");
                 }
                 return http::ServerResponse::json(200, object);
               });
    router.add("POST", std::string(kGroup) + "/namespaces/{ns}/rollbacks",
               [this](const http::ServerRequest& req) {
                 Json body = Json::parse(req.body);
                 const std::lock_guard lock(mu_);
                 created_.push_back(body);
                 body["metadata"]["name"] = body["metadata"].value("generateName", "") + "x7k2p";
                 return http::ServerResponse::json(201, body);
               });
  }

  TempDir dir_;
  std::string kubeconfig_;
  std::unique_ptr<http::Server> server_;
  mutable std::mutex mu_;
  std::vector<Json> created_;
};

std::variant<RollbackOptions, int> parse(const std::vector<std::string>& args, std::string& err) {
  std::ostringstream out;
  std::ostringstream e;
  auto r = parse_rollback_options(args, out, e);
  err = e.str();
  return r;
}

TEST(KubeOptions, RollbackReadsWhereTheClusterIs) {
  std::string err;
  auto none = parse({"api"}, err);
  ASSERT_TRUE(std::holds_alternative<RollbackOptions>(none)) << err;
  EXPECT_FALSE(std::get<RollbackOptions>(none).kube);

  auto kube = parse({"api", "--kube"}, err);
  ASSERT_TRUE(std::holds_alternative<RollbackOptions>(kube)) << err;
  const auto& k = *std::get<RollbackOptions>(kube).kube;
  EXPECT_FALSE(k.kubeconfig);
  EXPECT_TRUE(k.context.empty());
  EXPECT_FALSE(k.namespace_given);

  auto full = parse({"api", "--kubeconfig", "/k/config", "--context", "prod", "-n", "shop"}, err);
  ASSERT_TRUE(std::holds_alternative<RollbackOptions>(full)) << err;
  const auto& f = *std::get<RollbackOptions>(full).kube;
  EXPECT_EQ(f.kubeconfig->string(), "/k/config");
  EXPECT_EQ(f.context, "prod");
  EXPECT_TRUE(f.namespace_given);
  EXPECT_EQ(std::get<RollbackOptions>(full).ns, "shop");

  auto ctx_only = parse({"api", "--context", "prod"}, err);
  ASSERT_TRUE(std::holds_alternative<RollbackOptions>(ctx_only)) << err;
  EXPECT_EQ(std::get<RollbackOptions>(ctx_only).kube->context, "prod");
}

TEST(KubeOptions, OtherSourcesCannotBeCombinedWithTheCluster) {
  std::string err;
  EXPECT_EQ(std::get<int>(parse({"api", "--kube", "--docker", "unix:///x.sock"}, err)), 2);
  EXPECT_THAT(err, HasSubstr("rewind rollback: --docker cannot be combined with --kubeconfig"));
  EXPECT_EQ(std::get<int>(parse({"api", "--kube", "--state-dir", "/s"}, err)), 2);
  EXPECT_THAT(err, HasSubstr("--state-dir cannot be combined"));

  const CliRun status = run_cli({"status", "--kube", "--server", "http://127.0.0.1:9464"});
  EXPECT_EQ(status.code, 2);
  EXPECT_THAT(status.err,
              HasSubstr("rewind status: --server cannot be combined with --kubeconfig"));
  const CliRun hist =
      run_cli({"history", "api", "--kubeconfig", "/k", "--state", "postgres://db/x"});
  EXPECT_EQ(hist.code, 2);
  EXPECT_THAT(hist.err, HasSubstr("rewind history: --state cannot be combined"));
  const CliRun help = run_cli({"status", "--help"});
  EXPECT_THAT(help.out, HasSubstr("--kubeconfig"));
  EXPECT_THAT(run_cli({"promote", "--help"}).out, HasSubstr("rewind controller"));
  EXPECT_THAT(run_cli({"abort", "--help"}).out, HasSubstr("rewind controller"));
}

TEST(KubeStateCommands, ErrorsSayWhatIsWrongWithTheCluster) {
  const CliRun no_file = run_cli({"status", "--kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(no_file.code, 1);
  EXPECT_THAT(no_file.err, HasSubstr("/nonexistent/kubeconfig"));

  TempDir dir;
  const std::string closed =
      dir.write("kubeconfig",
                "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                "    server: http://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n"
                "    cluster: c\ncurrent-context: c\n");
  const CliRun unreachable = run_cli({"history", "api", "--kubeconfig", closed});
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("rewind history: cannot reach the Kubernetes API server"));
  EXPECT_THAT(unreachable.err, HasSubstr("server http://127.0.0.1:1"));

  const FakeApiServer no_crds(false);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"status"}, {"history", "api"}, {"rollback", "api", "--dry-run"}}) {
    auto with = args;
    with.insert(with.end(), {"--kubeconfig", no_crds.kubeconfig()});
    const CliRun r = run_cli(with);
    EXPECT_EQ(r.code, 1) << args.front();
    EXPECT_THAT(r.err, HasSubstr("the rewind CRDs are not installed (kubectl apply -f crds/)"));
  }
}

TEST(KubeStateCommands, TheClusterGivesTheSameOutputAsTheStateDirectory) {
  TempDir dir;
  write_state_dir(dir);
  const FakeApiServer api;
  const std::vector<std::vector<std::string>> commands = {
      {"status"},
      {"status", "-o", "json"},
      {"status", "api", "-n", "shop"},
      {"history", "api", "-n", "shop"},
      {"history", "api", "-n", "shop", "-o", "json"},
  };
  expect_same_output(commands, {"--state-dir", dir.str()}, {"--kubeconfig", api.kubeconfig()});
  // Without -n, NAME is in the context's namespace (shop); -n lists one namespace.
  EXPECT_EQ(run_cli({"history", "api", "--kubeconfig", api.kubeconfig()}).code, 0);
  const CliRun other = run_cli({"status", "-n", "other", "--kubeconfig", api.kubeconfig()});
  ASSERT_EQ(other.code, 0) << other.err;
  EXPECT_THAT(other.out, Not(HasSubstr("demo:v2")));

  const CliRun missing = run_cli({"status", "web", "--kubeconfig", api.kubeconfig()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no Release shop/web in the cluster (kubeconfig "));
  const CliRun no_history = run_cli({"history", "web", "--kubeconfig", api.kubeconfig()});
  EXPECT_EQ(no_history.code, 1);
  EXPECT_THAT(no_history.err, HasSubstr("no Release shop/web in the cluster"));
}

TEST(KubeRollback, DryRunPrintsTheResourceAndCreatesNothing) {
  const FakeApiServer api;
  const CliRun r = run_cli({"rollback", "api", "--kubeconfig", api.kubeconfig(), "--dry-run",
                            "--to", "1", "--reason", "5xx after v2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("dry run: would create this Rollback"));
  EXPECT_THAT(r.out, HasSubstr("generateName: api-rollback-"));
  EXPECT_THAT(r.out, HasSubstr("namespace: shop"));
  EXPECT_THAT(r.out, HasSubstr("releaseRef:\n    name: api"));
  EXPECT_THAT(r.out, HasSubstr("reason: 5xx after v2"));
  EXPECT_TRUE(api.created().empty());

  const CliRun bad = run_cli({"rollback", "api", "--kubeconfig", api.kubeconfig(), "--to", "9"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("Release shop/api has no revision 9 (its revisions: 1..2)"));
  const CliRun missing = run_cli({"rollback", "web", "--kubeconfig", api.kubeconfig()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no Release shop/web in the cluster"));
  EXPECT_TRUE(api.created().empty());
}

TEST(KubeRollback, CreatesARollbackResourceAndWithNoWaitReturns) {
  const FakeApiServer api;
  const CliRun r = run_cli({"rollback", "api", "--kubeconfig", api.kubeconfig(), "--no-wait",
                            "--to", "lastKnownGood", "--components", "image"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("created Rollback shop/api-rollback-x7k2p (to lastKnownGood)"));
  EXPECT_THAT(r.out, HasSubstr("kubectl get rollback api-rollback-x7k2p -n shop"));
  const auto created = api.created();
  ASSERT_EQ(created.size(), 1U);
  const Json& body = created.front();
  EXPECT_EQ(body["apiVersion"], "rewind.dev/v1alpha1");
  EXPECT_EQ(body["kind"], "Rollback");
  EXPECT_FALSE(body["metadata"].contains("name"));
  EXPECT_EQ(body["metadata"]["generateName"], "api-rollback-");
  EXPECT_EQ(body["metadata"]["namespace"], "shop");
  EXPECT_TRUE(body["metadata"]["annotations"].contains("rewind.dev/requested-by"));
  EXPECT_EQ(body["spec"]["releaseRef"]["name"], "api");
  EXPECT_EQ(body["spec"]["to"], "lastKnownGood");
  EXPECT_EQ(body["spec"]["components"], Json::array({"image"}));
  EXPECT_EQ(body["spec"]["dryRun"], false);
  EXPECT_FALSE(body.contains("status"));
}

}  // namespace
}  // namespace rwd::cli
