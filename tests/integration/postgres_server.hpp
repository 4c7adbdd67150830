#pragma once
// A private PostgreSQL server for one test process: initdb into a temporary
// directory, `postgres` on 127.0.0.1 with a free port and its socket in that
// directory, stopped and removed by the destructor. initdb and postgres
// refuse to run as root, so as root they run as uid/gid 65534 (nobody) with
// the directory chowned to it. Logins over TCP need the password
// (scram-sha-256), so tests can check what a wrong one does.
//
// stop() and start() restart the server on the same port and data directory
// (a PostgreSQL restart as its peers see it).
//
// `also_listen` adds addresses (the docker0 bridge's, say, so that one-off
// containers reach the server), with password logins from their subnets.
//
// The server binaries come from Debian's `postgresql` package (scripts/setup).

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "loopback.hpp"

namespace rwd::itest {

class PostgresServer {
 public:
  static constexpr uid_t kRunnerId = 65534;

  explicit PostgresServer(const std::vector<std::string>& also_listen = {}) {
    bin_ = find_bin_dir();
    char tmpl[] = "/tmp/rewind-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    password_ = "Pw" + std::to_string(::getpid()) + "-Zq7xK";
    std::ofstream(dir_ + "/pwfile") << password_ << "\n";
    give_to_runner(dir_);
    give_to_runner(dir_ + "/pwfile");
    run_to_end({bin_ + "/initdb", "-D", dir_ + "/data", "-U", "rewind",
                "--pwfile=" + dir_ + "/pwfile", "-A", "scram-sha-256", "--auth-local=trust", "-E",
                "UTF8", "--no-locale", "--no-sync"});
    std::string listen = "127.0.0.1";
    for (const auto& a : also_listen) listen += "," + a;
    if (!also_listen.empty()) {
      std::ofstream(dir_ + "/data/pg_hba.conf", std::ios::app)
          << "host all all samenet scram-sha-256\n";
    }
    port_ = free_loopback_port();
    server_args_.assign({bin_ + "/postgres", "-D", dir_ + "/data", "-h", listen, "-p",
                         std::to_string(port_), "-k", dir_, "-c", "fsync=off", "-c",
                         "synchronous_commit=off", "-c", "full_page_writes=off"});
    start();
  }

  ~PostgresServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // `pg_ctl stop -m fast`: SIGINT ends every session (their open
  // transactions roll back, clients get "terminating connection due to
  // administrator command"), then the server exits; waits for that. A no-op
  // when it is not running.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);
    if (!reaped_within(std::chrono::seconds(20))) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

  // Starts the server (again, after stop()) on the same port and data
  // directory and waits until it takes logins. A no-op when it runs.
  void start() {
    if (pid_ > 0) return;
    pid_ = spawn(server_args_);
    wait_ready();
  }

  [[nodiscard]] bool running() const { return pid_ > 0; }

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  [[nodiscard]] const std::string& password() const { return password_; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  // postgresql://rewind:<password>@127.0.0.1:<port>/<db>
  [[nodiscard]] std::string url(const std::string& db = "postgres") const {
    return url_with("rewind", password_, db);
  }
  [[nodiscard]] std::string url_with(const std::string& user, const std::string& password,
                                     const std::string& db = "postgres") const {
    return "postgresql://" + user + ":" + password + "@127.0.0.1:" + std::to_string(port_) + "/" +
           db;
  }
  [[nodiscard]] std::string log() const {
    std::ifstream in(dir_ + "/server.log");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  static bool is_root() { return ::geteuid() == 0; }

  static std::string find_bin_dir() {
    std::string best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const auto bin = e.path() / "bin";
      if (std::filesystem::exists(bin / "postgres") && bin.string() > best) best = bin.string();
    }
    if (best.empty()) {
      throw std::runtime_error(
          "no PostgreSQL server under /usr/lib/postgresql/*/bin: run scripts/setup (it installs "
          "Debian's postgresql package)");
    }
    return best;
  }

  void give_to_runner(const std::string& path) const {
    if (is_root() && ::chown(path.c_str(), kRunnerId, kRunnerId) != 0) {
      throw std::runtime_error("chown " + path + " failed");
    }
    ::chmod(path.c_str(), std::filesystem::is_directory(path) ? 0700 : 0600);
  }

  // Forks, drops to the runner (as root), sends output to server.log, execs.
  pid_t spawn(const std::vector<std::string>& args) const {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT
    argv.push_back(nullptr);
    const std::string log_path = dir_ + "/server.log";
    char env_path[] = "PATH=/usr/bin:/bin";
    char env_lc[] = "LC_ALL=C";
    char* envp[] = {env_path, env_lc, nullptr};
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(120);
      if (is_root() &&
          (::setgroups(0, nullptr) != 0 || ::setgid(kRunnerId) != 0 || ::setuid(kRunnerId) != 0)) {
        ::_exit(121);
      }
      if (::chdir(dir_.c_str()) != 0) ::_exit(122);
      ::execve(argv[0], argv.data(), envp);
      ::_exit(127);
    }
    if (pid < 0) throw std::runtime_error("fork failed");
    return pid;
  }

  void run_to_end(const std::vector<std::string>& args) const {
    const pid_t pid = spawn(args);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error(args[0] + " failed (status " + std::to_string(status) + "):\n" +
                               log());
    }
  }

  bool reaped_within(std::chrono::seconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  void wait_ready() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("postgres exited during start-up:\n" + log());
      }
      try {
        pqxx::connection c(url());
        return;
      } catch (const std::exception& e) {
        last = e.what();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error("postgres not ready after 30s: " + last + "\n" + log());
  }

  std::string bin_;
  std::vector<std::string> server_args_;  // postgres and its arguments
  std::string dir_;
  std::string password_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace rwd::itest
