#pragma once
// The fixture of the schema-change tests (migrate_test.cpp,
// postgres_restart_test.cpp): a private PostgreSQL server per test suite, a
// database and a compose-style service per test, the Release with
// spec.migration that `rewind watch` runs, and the outside view the tests
// assert on (rewind_schema_migrations, rows, dump files, status).

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "postgres_server.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {

inline constexpr const char* kUrlVar = "RWD_IT_MIGRATE_DB_URL";

// docker0's address: containers on the default bridge reach the host there.
inline std::string docker_bridge_address() {
  return trimmed(
      run_command("ip -4 -o addr show docker0 2>/dev/null | awk '{print $4}' | cut -d/ -f1")
          .output);
}

class MigrateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bridge_ = docker_bridge_address();
    server_ = std::make_unique<PostgresServer>(bridge_.empty() ? std::vector<std::string>{}
                                                               : std::vector<std::string>{bridge_});
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    svc_ = std::make_unique<ComposeService>("migrate");
    db_ = "app_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
    admin("CREATE DATABASE " + db_);
    migrations_ = svc_->releases() / "migrations";
    backups_ = svc_->state().parent_path() / "backups";
    std::filesystem::create_directories(migrations_);
    write_migration("0001_users.up.sql",
                    "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n"
                    "INSERT INTO users (name) SELECT 'user' || g FROM generate_series(1, 50) g;");
    write_migration("0001_users.down.sql", "DROP TABLE users;");
    ASSERT_TRUE(svc_->up("rewind-demo:v1"));
  }

  void TearDown() override {
    if (HasFailure() && svc_) {  // svc_ is null when SetUp failed before it
      for (const char* run : {"1", "2"}) {
        const std::string text = ComposeService::read_text(svc_->log(run));
        if (!text.empty()) std::cerr << "---- rewind watch log " << run << " ----\n" << text;
      }
      std::cerr << svc_->describe();
    }
  }

  // v2's checkout adds two migrations.
  void add_v2_migrations() {
    write_migration(
        "0002_orders.up.sql",
        "CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id));\n"
        "INSERT INTO orders (user_id) SELECT id FROM users WHERE id <= 5;");
    write_migration("0002_orders.down.sql", "DROP TABLE orders;");
    write_migration("0003_email.up.sql", "ALTER TABLE users ADD COLUMN email text;");
    write_migration("0003_email.down.sql", "ALTER TABLE users DROP COLUMN email;");
  }
  // `git revert`: the older checkout does not have them.
  void remove_v2_migrations() {
    for (const char* f : {"0002_orders.up.sql", "0002_orders.down.sql", "0003_email.up.sql",
                          "0003_email.down.sql"}) {
      std::filesystem::remove(migrations_ / f);
    }
  }

  void write_release(const std::string& image, const std::string& schema,
                     const std::string& lock_timeout = "5s", const std::string& more = "") {
    svc_->write_release(
        image,
        "  migration:\n"
        "    database: {urlFrom: {env: " +
            std::string(kUrlVar) +
            "}}\n"
            "    driver: sql-dir\n"
            "    directory: migrations\n"
            "    revision: \"" +
            schema +
            "\"\n"
            "    backup: {directory: " +
            backups_.string() +
            ", keep: 10}\n"
            "    verifyTables: [users]\n"
            "    lockTimeout: " +
            lock_timeout + "\n" + more +
            "  healthCheck: {http: {path: /health, port: 8080}, interval: 500ms, timeout: 1s, "
            "failureThreshold: 3}\n"
            "  rollbackPolicy: {progressDeadline: 1m}\n");
  }

  std::unique_ptr<Watcher> watch(const std::string& run,
                                 std::vector<std::pair<std::string, std::string>> env = {},
                                 std::vector<std::string> args = {}) {
    env.emplace_back(kUrlVar, url());
    return std::make_unique<Watcher>(svc_->releases(), svc_->state(), svc_->log(run),
                                     WatcherOptions{env, "2s", {}, std::move(args)});
  }

  // v1 on schema 0001 (rewind applies it: the database starts empty), then
  // v2 on schema 0003.
  void upgrade(const std::string& run = "1", const std::string& more = "") {
    write_release("rewind-demo:v1", "0001", "5s", more);
    watcher_ = watch(run);
    ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); })) << svc_->describe();
    ASSERT_EQ(applied(), std::vector<std::string>{"0001"});
    add_v2_migrations();
    write_release("rewind-demo:v2", "0003", "5s", more);
    ASSERT_TRUE(eventually([&] { return svc_->stable_at(2) && svc_->served_version() == "v2"; }))
        << svc_->describe();
  }

  // The URL rewind gets: the server's loopback one, or another (set_url).
  std::string url() const { return url_.empty() ? server_->url(db_) : url_; }

  std::vector<std::string> applied() {
    return column("SELECT revision FROM rewind_schema_migrations ORDER BY number");
  }
  std::string scalar(const std::string& sql, const std::string& db = "") {
    const auto rows = column(sql, db);
    return rows.empty() ? "" : rows.front();
  }
  std::vector<std::string> column(const std::string& sql, const std::string& db = "") {
    try {
      pqxx::connection c(server_->url(db.empty() ? db_ : db));
      pqxx::work w(c);
      std::vector<std::string> out;
      for (const auto& row : w.exec(sql)) out.push_back(row[0].is_null() ? "NULL" : row[0].c_str());
      w.commit();
      return out;
    } catch (const std::exception& e) {
      return {std::string("error: ") + e.what()};
    }
  }
  // `rewind drill` as an operator runs it, with the URL in its environment.
  CommandResult drill_command() {
    ::setenv(kUrlVar, url().c_str(), 1);
    const std::string bin = std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind";
    return run_command(bin + " drill api -n it --state-dir " + svc_->state().string() +
                       " --base-dir " + svc_->releases().string() + " 2>&1");
  }
  // A compose "worker" service of the same project, for quiesce.
  void start_worker(const std::string& name) {
    const CommandResult run =
        run_command("docker run -d --name " + name + " " + label_args() +
                    " --label com.docker.compose.project=" + svc_->project() +
                    " --label com.docker.compose.service=worker rewind-demo:v1");
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  std::vector<std::string> dump_files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(backups_, ec)) {
      if (e.path().extension() == ".dump") out.push_back(e.path().string());
    }
    return out;
  }
  std::vector<std::string> drill_databases() {
    return column("SELECT datname FROM pg_database WHERE datname LIKE '%rewind_drill%'",
                  "postgres");
  }
  nlohmann::json last_drill() {
    const auto s = svc_->status();
    if (!s.contains("status") || !s["status"].contains("migration"))
      return nlohmann::json::object();
    return s["status"]["migration"].value("lastDrill", nlohmann::json::object());
  }

  static void admin(const std::string& sql) {
    pqxx::connection c(server_->url());
    pqxx::nontransaction n(c);
    n.exec(sql);
  }

  std::string condition_reason(const char* type) {
    const auto s = svc_->status();
    if (!s.contains("status") || !s["status"].contains("conditions")) return "";
    for (const auto& c : s["status"]["conditions"]) {
      if (c.value("type", "") == type) return c.value("reason", "");
    }
    return "";
  }

  void write_migration(const std::string& name, const std::string& sql) {
    std::ofstream(migrations_ / name) << sql << "\n";
  }

  static inline std::unique_ptr<PostgresServer> server_;
  static inline std::string bridge_;
  std::string url_;
  static inline int databases_ = 0;
  std::unique_ptr<ComposeService> svc_;
  std::unique_ptr<Watcher> watcher_;
  std::string db_;
  std::filesystem::path migrations_;
  std::filesystem::path backups_;
  DockerCleanup cleanup_;
};

}  // namespace rwd::itest
