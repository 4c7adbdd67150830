// Secrets never leave rewind: a full scenario through the real `rewind
// watch`, the real Docker Engine and a private PostgreSQL, then every output
// it produced is collected and searched for the test's secrets.
//
// The secrets, each distinctive so that a hit can only be a leak:
// - the database password of the Release's URL (raw and percent-encoded:
//   it holds characters a URL must escape), given through the watcher's
//   environment (urlFrom.env);
// - a wrong password of a second Release's URL, read from a file
//   (urlFrom.file), whose connection fails: the error path;
// - the webhook's userinfo password and its query token (spec.notify);
// - the bearer token of --token-file, and a wrong one a client presents;
// - registry credentials in $DOCKER_CONFIG/config.json, which a third
//   Release's image pull needs (the test's registry refuses them: another
//   error path);
// - an env file value (config.envFiles), which the container must get.
//
// The scenario: v1 with schema 0001, the wrong-password Release failing, the
// registry pull failing, v2 with schema 0003 (a verified backup first), the
// HTTP API's mutating routes used with the right and a wrong token, and a
// revert of the file to v1 (backup, down-migrations, v1 again).
//
// The outputs: the watcher's log (stdout and stderr, --log-level debug),
// every file under the state directory, the backup directory's file names,
// /metrics, /healthz, /readyz and every /api/v1 answer, the webhook bodies,
// `docker inspect` of every container of the compose project, and
// `rewind status` / `rewind history` (table and JSON, from the state
// directory and through --server). Each must be non-empty and free of every
// secret. Where a secret belongs (the env file's value in the container's
// environment; the state directory's copies of the spec and env files, see
// below) that exact field is checked to hold it and taken out before the
// search.
//
// The first run found the webhook URL, userinfo password and token, in
// `GET /api/v1/releases...`, in `rewind status -o json` and in
// `rewind history -o json`: they now show it masked as the logs do.

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "rewind/http/base64.hpp"
#include "rewind/http/server.hpp"
#include "rewind/http/url.hpp"

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "postgres_server.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUrlVar = "RWD_IT_SECRETS_DB_URL";
constexpr const char* kDbUser = "rwd_app";
// '@', ':', '/', '%' and '+' must be percent-encoded in a URL's userinfo.
constexpr const char* kDbPassword = "pw-S3CR3T-5e1f@:/%+x";
constexpr const char* kDbPasswordEncoded = "pw-S3CR3T-5e1f%40%3A%2F%25%2Bx";
constexpr const char* kWrongPassword = "pw-WR0NG-77c3@x";
constexpr const char* kWrongPasswordEncoded = "pw-WR0NG-77c3%40x";
constexpr const char* kHookUser = "hook-user";
constexpr const char* kHookPassword = "hookpw-H00K-2b9d";
constexpr const char* kHookToken = "qt-T0KEN-8d41";
constexpr const char* kBearer = "tok-B34R3R-c0ffee";
constexpr const char* kWrongBearer = "tok-B4D-GUESS-1919";
constexpr const char* kRegistryUser = "reg-user";
constexpr const char* kRegistryPassword = "regpw-R3G-4c2a";
constexpr const char* kEnvSecret = "envv-S3CR3T-a11e";

struct Secret {
  std::string name;
  std::string value;
};

struct Output {
  std::string name;
  std::string text;
};

// A small HTTP server on loopback that records every request to its routes
// and answers each route with a fixed response: the webhook's receiver, and
// a registry.
class Recorder {
 public:
  struct Route {
    const char* method;
    std::string pattern;
    http::ServerResponse response;
  };
  explicit Recorder(std::vector<Route> routes) {
    http::Router router;
    for (auto& route : routes) {
      router.add(route.method, route.pattern,
                 [this, response = std::move(route.response)](const http::ServerRequest& r) {
                   const std::lock_guard lock(mu_);
                   requests_.push_back(r);
                   return response;
                 });
    }
    http::ServerOptions o;
    o.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<http::Server>(o, std::move(router));
    auto st = server_->start();
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  ~Recorder() { server_->stop(); }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  [[nodiscard]] int port() const { return server_->port(); }
  [[nodiscard]] std::vector<http::ServerRequest> requests() const {
    const std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<http::ServerRequest> requests_;
  std::unique_ptr<http::Server> server_;
};

http::ServerResponse basic_challenge() {
  auto r = http::ServerResponse::error(401, "authentication required");
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"rwd-it\"");
  return r;
}

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
    server_ = std::make_unique<PostgresServer>();
    db_ = "shop_" + std::to_string(::getpid());
    admin(std::string("CREATE ROLE ") + kDbUser + " LOGIN PASSWORD '" + kDbPassword + "'");
    admin("CREATE DATABASE " + db_ + " OWNER " + kDbUser);
    // The second Release's own database: only its password is wrong.
    admin("CREATE DATABASE " + db_ + "_worker OWNER " + kDbUser);

    svc_ = std::make_unique<ComposeService>("secrets");
    root_ = svc_->state().parent_path();
    backups_ = root_ / "backups";
    migrations_ = svc_->releases() / "migrations";
    fs::create_directories(migrations_);
    write(migrations_ / "0001_users.up.sql",
          "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n"
          "INSERT INTO users (name) SELECT 'user' || g FROM generate_series(1, 20) g;\n");
    write(migrations_ / "0001_users.down.sql", "DROP TABLE users;\n");
    // The env file compose gave the service: its value is in the container.
    write(svc_->releases() / "env" / "api.env", std::string("APP_API_KEY=") + kEnvSecret + "\n");
    write(svc_->releases() / "db" / "worker.url",
          "postgresql://" + std::string(kDbUser) + ":" + kWrongPasswordEncoded +
              "@127.0.0.1:" + std::to_string(server_->port()) + "/" + db_ + "_worker\n");
    token_file_ = root_ / "token";
    write(token_file_, std::string(kBearer) + "\n");
    ::chmod(token_file_.c_str(), 0600);

    hooks_ = std::make_unique<Recorder>(std::vector<Recorder::Route>{
        {"POST", "/hook", http::ServerResponse::json(200, model::Json{{"ok", true}})}});
    // The Engine talks plain HTTP to a registry on 127.0.0.0/8; this one asks
    // for Basic credentials and refuses them, so the pull fails after the
    // Engine sent what rewind gave it.
    registry_ = std::make_unique<Recorder>(std::vector<Recorder::Route>{
        {"GET", "/v2/", basic_challenge()},
        {"GET", "/v2/{org}/{repo}/manifests/{tag}", basic_challenge()}});
    registry_host_ = "127.0.0.1:" + std::to_string(registry_->port());
    write(root_ / "docker-config" / "config.json",
          nlohmann::json{{"auths",
                          {{registry_host_,
                            {{"auth", http::base64_encode(std::string(kRegistryUser) + ":" +
                                                          kRegistryPassword)}}}}}}
              .dump());

    ASSERT_TRUE(svc_->up("rewind-demo:v1", std::string("-e APP_API_KEY=") + kEnvSecret));
    for (const char* service : {"worker", "cache"}) {
      const CommandResult r =
          run_command("docker run -d --name " + svc_->project() + "_" + service + "_1 " +
                      label_args() + " --label com.docker.compose.project=" + svc_->project() +
                      " --label com.docker.compose.service=" + service + " rewind-demo:v1");
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }

  void TearDown() override {
    if (watcher_) watcher_->stop();
    if (HasFailure()) {
      std::cerr << "---- rewind watch log ----\n"
                << ComposeService::read_text(svc_->log("1")) << svc_->describe();
    }
  }

  [[nodiscard]] std::vector<Secret> secrets() const {
    const std::string registry_header =
        http::base64_encode(nlohmann::json{{"username", kRegistryUser},
                                           {"password", kRegistryPassword},
                                           {"serveraddress", registry_host_}}
                                .dump(),
                            true);
    return {
        {"the database password", kDbPassword},
        {"the database password, percent-encoded", kDbPasswordEncoded},
        {"the database password's distinctive part", "S3CR3T-5e1f"},
        {"the wrong database password", kWrongPassword},
        {"the wrong database password, percent-encoded", kWrongPasswordEncoded},
        {"the wrong database password's distinctive part", "WR0NG-77c3"},
        {"the webhook's userinfo password", kHookPassword},
        {"the webhook's query token", kHookToken},
        {"the webhook's Basic credentials",
         http::base64_encode(std::string(kHookUser) + ":" + kHookPassword)},
        {"the bearer token", kBearer},
        {"the wrong bearer token a client sent", kWrongBearer},
        {"the registry password", kRegistryPassword},
        {"the registry auth of config.json",
         http::base64_encode(std::string(kRegistryUser) + ":" + kRegistryPassword)},
        {"the X-Registry-Auth header", registry_header},
    };
  }

  // The Release of the service the scenario moves: the schema, the backup,
  // the webhook, the env file.
  void write_api(const std::string& image, const std::string& schema) {
    svc_->write_release(
        image,
        "  config: {envFiles: [env/api.env]}\n"
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
            "    lockTimeout: 5s\n"
            "  healthCheck: {http: {path: /health, port: 8080}, interval: 500ms, timeout: 1s, "
            "failureThreshold: 3}\n"
            "  rollbackPolicy: {progressDeadline: 1m}\n"
            "  notify: [{webhook: {url: \"" +
            hook_url() + "\"}}]\n");
  }
  // A Release whose database URL (from a file) has the wrong password. Its
  // v2 is a new revision whose first step, the backup, must connect.
  void write_worker() const {
    write(svc_->releases() / "worker.yaml",
          "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
          "metadata: {name: worker, namespace: it}\n"
          "spec:\n"
          "  target: {docker: {project: " +
              svc_->project() +
              ", service: worker}}\n"
              "  image: rewind-demo:v2\n"
              "  migration:\n"
              "    database: {urlFrom: {file: db/worker.url}}\n"
              "    driver: sql-dir\n"
              "    directory: migrations\n"
              "    revision: \"0001\"\n"
              "    backup: {directory: " +
              backups_.string() + "}\n");
  }
  // A Release whose image is in the test's registry, which needs the
  // credentials of $DOCKER_CONFIG.
  void write_cache() const {
    write(svc_->releases() / "cache.yaml",
          "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
          "metadata: {name: cache, namespace: it}\n"
          "spec:\n"
          "  target: {docker: {project: " +
              svc_->project() +
              ", service: cache}}\n"
              "  image: " +
              registry_host_ + "/rwd/cache:v1\n");
  }

  [[nodiscard]] std::string hook_url() const {
    return std::string("http://") + kHookUser + ":" + kHookPassword +
           "@127.0.0.1:" + std::to_string(hooks_->port()) + "/hook?token=" + kHookToken;
  }
  [[nodiscard]] std::string db_url() const {
    return "postgresql://" + std::string(kDbUser) + ":" + kDbPasswordEncoded +
           "@127.0.0.1:" + std::to_string(server_->port()) + "/" + db_;
  }

  // The watcher's HTTP port, from its log line "... HTTP on 127.0.0.1:<port>".
  [[nodiscard]] int watcher_port() const {
    int port = 0;
    eventually([&] {
      std::smatch m;
      const std::string log = ComposeService::read_text(svc_->log("1"));
      if (std::regex_search(log, m, std::regex("HTTP on 127\\.0\\.0\\.1:([0-9]+)"))) {
        port = std::stoi(m[1]);
      }
      return port != 0;
    });
    return port;
  }

  [[nodiscard]] nlohmann::json status_of(const std::string& name) const {
    const auto j = nlohmann::json::parse(
        ComposeService::read_text(svc_->state() / "status" / "it" / "releases" / (name + ".json")),
        nullptr, false);
    return j.is_object() ? j : nlohmann::json::object();
  }
  [[nodiscard]] std::string message_of(const std::string& name) const {
    const auto s = status_of(name);
    return s.contains("status") ? s["status"].value("message", "") : "";
  }
  [[nodiscard]] std::vector<std::string> hook_events() const {
    std::vector<std::string> out;
    for (const auto& r : hooks_->requests()) {
      const auto body = nlohmann::json::parse(r.body, nullptr, false);
      out.push_back(body.is_object() ? body.value("event", "?") : "?");
    }
    return out;
  }
  [[nodiscard]] std::vector<std::string> applied() const {
    try {
      pqxx::connection c(server_->url(db_));
      pqxx::work w(c);
      std::vector<std::string> out;
      for (const auto& row :
           w.exec("SELECT revision FROM rewind_schema_migrations ORDER BY number"))
        out.push_back(row[0].c_str());
      return out;
    } catch (const std::exception& e) {
      return {std::string("error: ") + e.what()};
    }
  }

  // `rewind ARGS`, stdout and stderr.
  static CommandResult rewind(const std::string& args) {
    return run_command(std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind " + args);
  }

  void admin(const std::string& sql) const {
    pqxx::connection c(server_->url());
    pqxx::nontransaction n(c);
    n.exec(sql);
  }
  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

  std::unique_ptr<PostgresServer> server_;
  std::string db_;
  std::unique_ptr<ComposeService> svc_;
  fs::path root_;
  fs::path backups_;
  fs::path migrations_;
  fs::path token_file_;
  std::unique_ptr<Recorder> hooks_;
  std::unique_ptr<Recorder> registry_;
  std::string registry_host_;
  std::unique_ptr<Watcher> watcher_;
  DockerCleanup cleanup_;
};

TEST_F(SecretsTest, NoSecretAppearsInAnyOutputOfAFullScenario) {
  // ---- the scenario -------------------------------------------------------
  write_api("rewind-demo:v1", "0001");
  write_worker();
  write_cache();
  WatcherOptions options;
  options.env = {{kUrlVar, db_url()}, {"DOCKER_CONFIG", (root_ / "docker-config").string()}};
  options.args = {"--token-file", token_file_.string(), "--log-level", "debug"};
  watcher_ = std::make_unique<Watcher>(svc_->releases(), svc_->state(), svc_->log("1"), options);
  const int port = watcher_port();
  ASSERT_NE(port, 0) << "the watcher never said where it listens";

  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});

  // The wrong password: the worker's Release cannot read its database.
  ASSERT_TRUE(eventually([&] {
    return message_of("worker").find("password authentication failed") != std::string::npos;
  })) << status_of("worker").dump(2);
  const std::string worker_message = message_of("worker");
  EXPECT_NE(worker_message.find(std::string(kDbUser) + "@127.0.0.1:" +
                                std::to_string(server_->port()) + "/" + db_ + "_worker"),
            std::string::npos)
      << "the message names the database: " << worker_message;

  // The registry: rewind gave the Engine the credentials of $DOCKER_CONFIG
  // (the Engine sent them on), and the pull failed.
  const std::string basic =
      "Basic " + http::base64_encode(std::string(kRegistryUser) + ":" + kRegistryPassword);
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : registry_->requests()) {
      if (r.header("authorization").value_or("") == basic) return true;
    }
    return false;
  })) << "the registry never saw the credentials";
  ASSERT_TRUE(eventually([&] { return !message_of("cache").empty(); }))
      << status_of("cache").dump(2);
  EXPECT_NE(message_of("cache").find(registry_host_), std::string::npos) << message_of("cache");

  // v2 and schema 0003, after a verified backup.
  write(migrations_ / "0002_orders.up.sql",
        "CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id));\n"
        "INSERT INTO orders (user_id) SELECT id FROM users WHERE id <= 5;\n");
  write(migrations_ / "0002_orders.down.sql", "DROP TABLE orders;\n");
  write(migrations_ / "0003_email.up.sql", "ALTER TABLE users ADD COLUMN email text;\n");
  write(migrations_ / "0003_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
  write_api("rewind-demo:v2", "0003");
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2) && svc_->served_version() == "v2"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  const auto upgrade_backup = svc_->history()["revisions"][1]["backup"];
  EXPECT_TRUE(upgrade_backup.value("verified", false)) << svc_->history().dump(2);

  // The mutating routes: the right token gets through (409: no plan runs),
  // a wrong one does not.
  const std::string server = "http://127.0.0.1:" + std::to_string(port);
  const CommandResult promote = rewind("promote api -n it --server " + server + " --token-file " +
                                       token_file_.string() + " 2>&1");
  EXPECT_EQ(promote.exit_code, 1) << promote.output;
  EXPECT_NE(promote.output.find("nothing to promote"), std::string::npos) << promote.output;
  const HttpResponse wrong =
      http_request(port, "POST", "/api/v1/releases/it/api/promote",
                   std::string("Authorization: Bearer ") + kWrongBearer + "\r\n");
  EXPECT_EQ(wrong.status, 401) << wrong.body;

  // git revert: v1's file and migrations; a backup, the down-migrations, v1.
  for (const char* f :
       {"0002_orders.up.sql", "0002_orders.down.sql", "0003_email.up.sql", "0003_email.down.sql"}) {
    fs::remove(migrations_ / f);
  }
  write_api("rewind-demo:v1", "0001");
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  const auto st = svc_->status()["status"];
  EXPECT_EQ(st["lastRollback"].value("trigger", ""), "RevertedInSource") << st.dump(2);
  EXPECT_TRUE(st["migration"]["lastBackup"].value("verified", false)) << st.dump(2);
  EXPECT_NE(st["migration"]["lastBackup"].value("path", ""), upgrade_backup.value("path", ""));

  // The webhook heard it all, through the URL as written (token and all).
  ASSERT_TRUE(eventually([&] {
    const auto e = hook_events();
    return std::find(e.begin(), e.end(), "rolled-back") != e.end();
  })) << nlohmann::json(hook_events()).dump();
  for (const char* event : {"rollout-started", "promoted", "rollback-started", "rolled-back"}) {
    const auto e = hook_events();
    EXPECT_NE(std::find(e.begin(), e.end(), event), e.end())
        << event << " not in " << nlohmann::json(e).dump();
  }
  for (const auto& r : hooks_->requests()) {
    EXPECT_EQ(r.target, std::string("/hook?token=") + kHookToken);
    EXPECT_EQ(r.header("authorization").value_or(""),
              "Basic " + http::base64_encode(std::string(kHookUser) + ":" + kHookPassword));
  }

  // ---- the outputs ----------------------------------------------------------
  std::vector<Output> outputs;
  for (const char* path :
       {"/metrics", "/healthz", "/readyz", "/api/v1/releases", "/api/v1/releases/it/api",
        "/api/v1/releases/it/api/history", "/api/v1/releases/it/worker",
        "/api/v1/releases/it/cache", "/api/v1/rollbacks"}) {
    const HttpResponse r = http_get(port, path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    outputs.push_back({std::string("GET ") + path, r.headers + "\r\n\r\n" + r.body});
  }
  outputs.push_back({"POST promote with a wrong token", wrong.headers + "\r\n\r\n" + wrong.body});
  const std::string via_server = " --server " + server;
  const std::string via_state = " --state-dir " + svc_->state().string();
  std::vector<std::string> commands;
  for (const std::string& from : {via_server, via_state}) {
    for (const char* what :
         {"status", "status -o json", "status api -n it", "status api -n it -o json",
          "status worker -n it", "status cache -n it", "history api -n it",
          "history api -n it -o json"}) {
      commands.push_back(what + from);
    }
  }
  for (const auto& args : commands) {
    const CommandResult r = rewind(args + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << "rewind " << args << ":\n" << r.output;
    outputs.push_back({"rewind " + args, r.output});
  }
  outputs.push_back({"rewind promote", promote.output});
  for (const auto& r : hooks_->requests()) outputs.push_back({"webhook body", r.body});

  EXPECT_EQ(watcher_->stop(), 0);
  watcher_.reset();
  outputs.push_back({"the watcher's log", ComposeService::read_text(svc_->log("1"))});

  // Every file of the state directory. It keeps two secrets on purpose, in
  // known fields: the Release's spec as written, webhook URL included, in
  // its status file and with each revision in history, because `rewind
  // rollback` without a watcher acts on (and notifies from) the stored
  // Release; and the env file's contents with each revision (so that a
  // rollback restores them) and in the service's container configuration
  // (README: "protect the state directory"). Those fields must hold what
  // was written and are taken out; the rest of each file is searched.
  int kept_urls = 0;
  int kept_env = 0;
  auto take_webhooks = [&](nlohmann::json& spec) {
    if (!spec.is_object() || !spec.contains("notify")) return;
    for (auto& target : spec["notify"]) {
      if (!target.contains("webhook")) continue;
      EXPECT_EQ(target["webhook"].value("url", ""), hook_url());
      target["webhook"].erase("url");
      ++kept_urls;
    }
  };
  auto take_env = [&](nlohmann::json& env) {
    const std::string entry = std::string("APP_API_KEY=") + kEnvSecret;
    if (!env.is_array() || std::find(env.begin(), env.end(), entry) == env.end()) return;
    env.erase(std::remove(env.begin(), env.end(), entry), env.end());
    ++kept_env;
  };
  for (const auto& e : fs::recursive_directory_iterator(svc_->state())) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), svc_->state()).string();
    std::string text = ComposeService::read_text(e.path());
    if (text.empty()) continue;  // watcher.lock
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_object()) {
      if (rel.starts_with("status/") && doc.contains("spec")) take_webhooks(doc["spec"]);
      if (rel.starts_with("history/") && doc.contains("revisions")) {
        for (auto& rec : doc["revisions"]) {
          if (rec.contains("spec")) take_webhooks(rec["spec"]);
          if (!rec.contains("envFileContents")) continue;
          EXPECT_NE(rec["envFileContents"].dump().find(kEnvSecret), std::string::npos) << rel;
          rec.erase("envFileContents");
          ++kept_env;
        }
      }
      if (rel.starts_with("containers/") && doc.contains("config")) {
        take_env(doc["config"]["Env"]);
      }
      text = doc.dump(2);
    }
    outputs.push_back({"state file " + rel, text});
  }
  // The status (1) and the two revisions of history (2) of api.
  EXPECT_EQ(kept_urls, 3);
  // The two revisions of history, the container configuration.
  EXPECT_EQ(kept_env, 3);
  for (const char* must : {"status/it/releases/api.json", "status/it/releases/worker.json",
                           "status/it/releases/cache.json", "history/it/api.json"}) {
    EXPECT_TRUE(fs::exists(svc_->state() / must)) << must;
  }
  // The backups: their names. A dump's contents are the database's data
  // (pg_dump -Fc, compressed: a search in it would prove nothing), which
  // is the operator's, like the database itself; pg_dump gets the password
  // through its environment only, never into the dump.
  std::string backup_names;
  for (const auto& e : fs::directory_iterator(backups_)) {
    backup_names += e.path().filename().string() + "\n";
    if (e.path().extension() != ".dump") {
      outputs.push_back(
          {"backup file " + e.path().filename().string(), ComposeService::read_text(e.path())});
    }
  }
  outputs.push_back({"the backups' names", backup_names});

  // The containers as the Engine shows them. The original container got the
  // env file's value from compose, so its replacements carry it in
  // Config.Env (the point of an env file), and nowhere else.
  const nlohmann::json filters = {{"label", {"com.docker.compose.project=" + svc_->project()}}};
  const HttpResponse list =
      docker_api("GET", "/containers/json?all=1&filters=" + http::percent_encode(filters.dump()));
  const auto summaries = nlohmann::json::parse(list.body, nullptr, false);
  ASSERT_TRUE(summaries.is_array()) << list.body;
  EXPECT_EQ(summaries.size(), 3U) << list.body;
  for (const auto& s : summaries) {
    const HttpResponse c = docker_api("GET", "/containers/" + s.value("Id", "") + "/json");
    auto doc = nlohmann::json::parse(c.body, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << c.body;
    const std::string name = doc.value("Name", "");
    auto& env = doc["Config"]["Env"];
    if (name.find("_api_") != std::string::npos || name.find("-api-") != std::string::npos) {
      const std::string entry = std::string("APP_API_KEY=") + kEnvSecret;
      EXPECT_NE(std::find(env.begin(), env.end(), entry), env.end()) << doc["Config"].dump(2);
      env.erase(std::remove(env.begin(), env.end(), entry), env.end());
    }
    outputs.push_back({"docker inspect " + name, doc.dump(2)});
  }

  // ---- the search -------------------------------------------------------------
  auto search = [](const Output& out, const std::vector<Secret>& secrets) {
    EXPECT_FALSE(out.text.empty()) << out.name << " is empty: the search would prove nothing";
    for (const auto& secret : secrets) {
      const auto at = out.text.find(secret.value);
      if (at == std::string::npos) continue;
      const auto from = at < 200 ? 0 : at - 200;
      ADD_FAILURE() << secret.name << " (" << secret.value << ") leaked into " << out.name
                    << ":\n..." << out.text.substr(from, secret.value.size() + 400) << "...";
    }
  };
  auto all = secrets();
  all.push_back({"the env file's value", kEnvSecret});
  for (const auto& out : outputs) search(out, all);
  std::cerr << "searched " << outputs.size() << " outputs for " << all.size() << " secrets\n";
}

}  // namespace
}  // namespace rwd::itest
