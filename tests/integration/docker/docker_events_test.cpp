// EventWatcher against the real Docker Engine's /events stream.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "rewind/docker/events.hpp"

#include "docker_fixture.hpp"
#include "unix_relay.hpp"

namespace rwd::docker::it {
namespace {

using namespace std::chrono_literals;

// Runs a watcher on its own thread and records what it reports.
class Watch {
 public:
  Watch(std::unique_ptr<http::Client> http, ApiVersion version, EventWatchOptions options)
      : watcher_(std::move(http), version, std::move(options)) {
    thread_ = std::thread([this] {
      status_ = watcher_.run(
          [this](const Event& e) {
            std::lock_guard lock(mu_);
            events_.push_back(e);
            cv_.notify_all();
          },
          [this] {
            std::lock_guard lock(mu_);
            ++resyncs_;
            cv_.notify_all();
          },
          stop_.get_token());
    });
  }

  ~Watch() { stop(); }

  // Stops the watcher; returns how long it took to return.
  std::chrono::steady_clock::duration stop() {
    const auto start = std::chrono::steady_clock::now();
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
    return std::chrono::steady_clock::now() - start;
  }

  bool wait_resyncs(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 15s, [&] { return resyncs_ >= n; });
  }

  bool wait_event(const std::string& id, const std::string& action) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 20s, [&] {
      for (const auto& e : events_) {
        if (e.id == id && e.action == action) return true;
      }
      return false;
    });
  }

  [[nodiscard]] const model::Status& status() const { return status_; }

 private:
  EventWatcher watcher_;
  std::stop_source stop_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  int resyncs_ = 0;
  model::Status status_;
};

class DockerEventsTest : public DockerTest {
 protected:
  EventWatchOptions options() {
    EventWatchOptions o;
    o.filters = {{"type", {"container"}}, {"label", {"rewind.it=" + world().prefix()}}};
    o.initial_backoff = 100ms;
    o.max_backoff = 1s;
    return o;
  }

  std::string start_and_stop(const std::string& what) {
    const std::string id = create(body(), name(what));
    EXPECT_TRUE(client_->start_container(id).ok());
    EXPECT_TRUE(client_->stop_container(id, 5s).ok());
    return id;
  }
};

TEST_F(DockerEventsTest, SeesAContainerStartAndDie) {
  auto ep = endpoint_from_environment();
  ASSERT_TRUE(ep.ok());
  auto http = http::make_client(*ep);
  ASSERT_TRUE(http.ok());
  Watch watch(std::move(http.value()), client_->api_version(), options());
  ASSERT_TRUE(watch.wait_resyncs(1));

  const std::string id = start_and_stop("events");
  EXPECT_TRUE(watch.wait_event(id, "start"));
  EXPECT_TRUE(watch.wait_event(id, "die"));
  EXPECT_LT(watch.stop(), 2s) << "a stop ends the idle stream promptly";
  EXPECT_TRUE(watch.status().ok());
}

TEST_F(DockerEventsTest, ReconnectsAndResyncsAfterTheConnectionIsCut) {
  UnixRelay relay("/var/run/docker.sock");
  auto ep = http::parse_endpoint("tcp://127.0.0.1:" + std::to_string(relay.port()));
  ASSERT_TRUE(ep.ok());
  auto http = http::make_client(*ep);
  ASSERT_TRUE(http.ok());
  Watch watch(std::move(http.value()), client_->api_version(), options());
  ASSERT_TRUE(watch.wait_resyncs(1));
  EXPECT_EQ(relay.connections(), 1);

  relay.cut_all();
  ASSERT_TRUE(watch.wait_resyncs(2)) << "the watcher reconnects and asks for a resync";
  EXPECT_EQ(relay.connections(), 2);

  const std::string id = start_and_stop("after-cut");
  EXPECT_TRUE(watch.wait_event(id, "start"));
  EXPECT_TRUE(watch.wait_event(id, "die"));
  EXPECT_LT(watch.stop(), 2s);
  EXPECT_TRUE(watch.status().ok());
}

}  // namespace
}  // namespace rwd::docker::it
