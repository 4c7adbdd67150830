// Schema changes in Kubernetes mode: `rewind controller` against the real
// control plane and a private PostgreSQL server, the database URL from a
// Secret (urlFrom.secretKeyRef). Assertions on the revision table, the
// tables, the dump files, the Deployment and the Release's status.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controller_process.hpp"
#include "postgres_server.hpp"

namespace rwd::kube_itest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct KubeMigrationTest : ::testing::Test {
  KubeCluster& k = cluster_with_crds();
  std::unique_ptr<rwd::itest::PostgresServer> pg = std::make_unique<rwd::itest::PostgresServer>();
  std::string ns;
  std::string db = "app_k8s_" + std::to_string(::getpid());
  fs::path root;
  std::string log;

  void SetUp() override {
    char tmpl[] = "/tmp/rewind-kmig-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root = tmpl;
    fs::create_directories(root / "migrations");
    fs::create_directories(root / "backups");
    log = (root / "controller.log").string();
    // One namespace per test (tests may share a cluster when run by hand).
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ns = "m-" + name.substr(0, 40);
    ensure_namespace(k, ns);
    {
      pqxx::connection c(pg->url());
      pqxx::nontransaction w(c);
      w.exec("CREATE DATABASE " + db);
    }
    write("0001_users.up.sql",
          "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n"
          "INSERT INTO users (name) SELECT 'user' || g FROM generate_series(1, 20) g;");
    write("0001_users.down.sql", "DROP TABLE users;");
    write("0002_orders.up.sql", "CREATE TABLE orders (id serial PRIMARY KEY, user_id int);");
    write("0002_orders.down.sql", "DROP TABLE orders;");
    std::string out;
    ASSERT_EQ(k.kubectl({"create", "secret", "generic", "shop-db", "-n", ns,
                         "--from-literal=url=" + pg->url(db)},
                        &out),
              0)
        << out;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- controller log:\n" << read_text(log) << "\n";
    std::error_code ec;
    fs::remove_all(root, ec);
  }

  void write(const std::string& name, const std::string& sql) {
    std::ofstream(root / "migrations" / name) << sql << "\n";
  }
  Json release(const std::string& image, const std::string& schema) {
    Json r = release_json(ns, "api", image);
    r["spec"]["migration"] =
        Json{{"database", {{"urlFrom", {{"secretKeyRef", {{"name", "shop-db"}, {"key", "url"}}}}}}},
             {"driver", "sql-dir"},
             {"directory", (root / "migrations").string()},
             {"revision", schema},
             {"backup", {{"directory", (root / "backups").string()}, {"keep", 10}}},
             {"verifyTables", Json::array({"users"})}};
    return r;
  }
  std::vector<std::string> column(const std::string& sql) {
    try {
      pqxx::connection c(pg->url(db));
      pqxx::work w(c);
      std::vector<std::string> out;
      for (const auto& row : w.exec(sql)) out.push_back(row[0].c_str());
      return out;
    } catch (const std::exception& e) {
      return {std::string("error: ") + e.what()};
    }
  }
  std::vector<std::string> applied() {
    return column("SELECT revision FROM rewind_schema_migrations ORDER BY number");
  }
  bool table_exists(const std::string& table) {
    return column("SELECT to_regclass('public." + table + "') IS NOT NULL").front() == "t";
  }
  Json rel() { return get_object(k, "release", ns, "api"); }
};

TEST_F(KubeMigrationTest, TheUrlFromASecretMigratesUpAndARollbackBacksUpAndMigratesDown) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  ASSERT_TRUE(apply_until_ready(k, release("rewind-demo:v1", "0001"), 1));
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  EXPECT_EQ(column("SELECT count(*) FROM users"), std::vector<std::string>{"20"});

  ASSERT_TRUE(apply_until_ready(k, release("rewind-demo:v2", "0002"), 2));
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002"}));
  EXPECT_TRUE(table_exists("orders"));
  EXPECT_EQ(rel()["status"]["migration"].value("revision", ""), "0002") << rel().dump(2);

  // A Rollback: backup first (verified dump in backup.directory), then down to 0001.
  kubectl_apply(k, rollback_json(ns, "undo", "api"));
  ASSERT_TRUE(eventually([&] { return rollback_phase(k, ns, "undo") == "Succeeded"; }, 120s))
      << get_object(k, "rollback", ns, "undo").dump(2) << "\n"
      << rel().dump(2);
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  EXPECT_FALSE(table_exists("orders"));
  EXPECT_EQ(column("SELECT count(*) FROM users"), std::vector<std::string>{"20"});
  EXPECT_EQ(deployment_image(k, ns, "api"), "rewind-demo:v1");
  // One dump per schema change (up to 0001, up to 0002, down to 0001), each
  // in backup.directory; the Rollback names the one taken before its downgrade.
  std::size_t dumps = 0;
  for (const auto& e : fs::directory_iterator(root / "backups")) {
    if (e.path().extension() != ".json") ++dumps;
  }
  EXPECT_EQ(dumps, 3U);
  const Json rb = get_object(k, "rollback", ns, "undo");
  ASSERT_TRUE(rb["status"].contains("backup")) << rb.dump(2);
  const fs::path taken = rb["status"]["backup"].value("path", "");
  EXPECT_EQ(taken.parent_path(), root / "backups") << rb.dump(2);
  EXPECT_TRUE(fs::exists(taken) && fs::file_size(taken) > 0) << taken;

  // The password never shows: not in the log, the Release or the Rollback.
  const std::string everything = c.log() + rel().dump() + rb.dump();
  EXPECT_EQ(everything.find(pg->password()), std::string::npos);
  EXPECT_EQ(c.stop(), 0) << c.log();
}

TEST_F(KubeMigrationTest, AMissingSecretKeyIsAClearErrorAndChangesNothing) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  Json r = release("rewind-demo:v1", "0001");
  r["spec"]["migration"]["database"]["urlFrom"]["secretKeyRef"]["key"] = "uri";
  kubectl_apply(k, r);
  ASSERT_TRUE(eventually(
      [&] {
        return c.log().find("Secret " + ns + "/shop-db has no key \"uri\" (it has: url)") !=
               std::string::npos;
      },
      60s))
      << c.log();
  EXPECT_EQ(deployment_image(k, ns, "api"), "rewind-demo:v0");
  EXPECT_EQ(applied().front().rfind("error:", 0), 0U);  // no revision table: nothing ran
  EXPECT_EQ(c.stop(), 0) << c.log();
}

}  // namespace
}  // namespace rwd::kube_itest
