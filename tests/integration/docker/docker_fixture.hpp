#pragma once
// Shared set-up for the Docker integration tests: a tiny image made here (a
// static C program, `docker import`ed twice as <prefix>-app:v1 and :v2), a
// name prefix unique to this process (rewind-it-<pid>), a client on the real
// Engine, and a clean-up that removes every container, network and image
// with that prefix when the process ends its tests, failed or not.

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "rewind/docker/client.hpp"
#include "rewind/docker/environment.hpp"

namespace rwd::docker::it {

// Runs a shell command; returns its stdout (trailing newline removed), and
// whether it exited 0.
inline std::pair<bool, std::string> sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {false, ""};
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int rc = ::pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return {rc == 0, out};
}

// The program in the image: sleeps until SIGTERM; "/app health" exits 0.
inline constexpr const char* kProgram = R"c(
#include <signal.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t done = 0;
static void on_term(int sig) { (void)sig; done = 1; }
int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "health") == 0) return 0;
  if (argc > 1 && strcmp(argv[1], "exit") == 0) return 0;
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  while (!done) pause();
  return 0;
}
)c";

class DockerWorld : public ::testing::Environment {
 public:
  static DockerWorld* instance;

  void SetUp() override {
    prefix_ = "rewind-it-" + std::to_string(::getpid());
    if (::access("/var/run/docker.sock", R_OK | W_OK) != 0) {
      problem_ = "no Docker socket";
      return;
    }
    char tmpl[] = "/tmp/rewind-it-image-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::ofstream(dir_ + "/app.c") << kProgram;
    auto built = sh("gcc -static -O2 -o " + dir_ + "/app " + dir_ + "/app.c && tar -C " + dir_ +
                    " -cf " + dir_ + "/app.tar app");
    if (!built.first) {
      problem_ = "cannot build the test image: " + built.second;
      return;
    }
    for (const char* tag : {"v1", "v2"}) {
      auto imported =
          sh("docker import --change 'CMD [\"/app\"]' --change 'ENV IMGVAR=" + std::string(tag) +
             "' " + dir_ + "/app.tar " + image(tag));
      if (!imported.first) {
        problem_ = "docker import failed: " + imported.second;
        return;
      }
    }
  }

  // Containers (with their anonymous volumes) and networks of this process.
  void remove_containers_and_networks() const {
    const std::string label = "label=rewind.it=" + prefix_;
    sh("docker ps -aq --filter " + label + " | xargs -r docker rm -fv");
    sh("docker ps -aq --filter name=" + prefix_ + " | xargs -r docker rm -fv");
    sh("docker network ls -q --filter name=" + prefix_ + " | xargs -r docker network rm");
  }

  void TearDown() override {
    remove_containers_and_networks();
    sh("docker rmi -f " + image("v1") + " " + image("v2"));
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  [[nodiscard]] const std::string& prefix() const { return prefix_; }
  [[nodiscard]] std::string image(const std::string& tag) const { return prefix_ + "-app:" + tag; }
  [[nodiscard]] const std::string& problem() const { return problem_; }

 private:
  std::string prefix_;
  std::string dir_;
  std::string problem_;
};

// Base fixture: fails (never skips) when the world could not be made;
// connects a client.
class DockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(DockerWorld::instance, nullptr);
    ASSERT_TRUE(world().problem().empty()) << world().problem();
    client_ = connect();
    ASSERT_NE(client_, nullptr);
  }

  void TearDown() override {
    if (world().problem().empty()) world().remove_containers_and_networks();
  }

  static DockerWorld& world() { return *DockerWorld::instance; }

  static std::unique_ptr<Client> connect() {
    auto ep = endpoint_from_environment();
    EXPECT_TRUE(ep.ok());
    if (!ep) return nullptr;
    auto http = http::make_client(*ep);
    EXPECT_TRUE(http.ok());
    if (!http) return nullptr;
    auto client = Client::connect(std::move(http.value()));
    EXPECT_TRUE(client.ok()) << client.error().message();
    if (!client) return nullptr;
    return std::move(client.value());
  }

  // A unique name: <prefix>-<what>.
  static std::string name(const std::string& what) { return world().prefix() + "-" + what; }

  // A create body for our image with the clean-up label.
  static nlohmann::json body(const std::string& tag = "v1") {
    return nlohmann::json{{"Image", world().image(tag)},
                          {"Labels", {{"rewind.it", world().prefix()}}},
                          {"HostConfig", nlohmann::json::object()}};
  }

  std::string create(const nlohmann::json& b, const std::string& container_name) {
    auto id = client_->create_container(b, container_name);
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id ? *id : std::string();
  }

  std::unique_ptr<Client> client_;
};

}  // namespace rwd::docker::it
