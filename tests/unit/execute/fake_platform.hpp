#pragma once
// In-memory ContainerPlatform and HealthProbe for unit tests: containers are
// records in a map; every call is logged so tests can assert on the order of
// operations. Like the Docker platform, list() remembers the serving
// container of each service, and create_for_service() creates from it.

#include <map>
#include <string>
#include <vector>

#include "rewind/execute/health_probe.hpp"
#include "rewind/execute/platform.hpp"

namespace rwd::execute::testing {

class FakePlatform : public ContainerPlatform {
 public:
  std::map<std::string, Instance> containers;
  std::vector<std::string> images{"demo:v1", "demo:v2", "demo:v3"};
  std::vector<std::string> calls;
  std::vector<ContainerChange> changes;  // of every container created
  int next_id = 1;
  int clock = 0;  // creation order
  bool daemon_down = false;
  std::map<std::string, Instance> seen;  // service -> the container list() last saw serving
  std::vector<OneOffCommand> one_offs;   // run_once() calls, in order
  model::Result<CommandOutput> one_off_result = CommandOutput{0, "", false};

  Instance& add(const std::string& name, const std::string& image, bool running,
                std::map<std::string, std::string> labels = {}) {
    Instance i;
    i.id = "c" + std::to_string(next_id++);
    i.name = name;
    i.image = model::ImageRef{image};
    i.running = running;
    labels.emplace(label::kComposeProject, "shop");
    labels.emplace(label::kComposeService, "api");
    i.labels = std::move(labels);
    i.created = std::chrono::system_clock::time_point(std::chrono::seconds(clock++));
    return containers[i.id] = i;
  }

  std::vector<const Instance*> running() const {
    std::vector<const Instance*> out;
    for (const auto& [id, i] : containers) {
      if (i.running) out.push_back(&i);
    }
    return out;
  }

  model::Result<std::vector<Instance>> list(const model::Target& t) override {
    if (daemon_down) return model::Error::transient("docker: connection refused");
    calls.push_back("list");
    std::vector<Instance> out;
    for (const auto& [id, i] : containers) {
      if (t.docker && i.labels.at(label::kComposeService) == t.docker->service) out.push_back(i);
    }
    const Instance* serving = nullptr;
    for (const auto& i : out) {
      if (serving == nullptr || (i.running && !serving->running) ||
          (i.running == serving->running && i.created > serving->created)) {
        serving = &i;
      }
    }
    if (serving != nullptr) seen[t.docker->service] = *serving;
    if (!addresses) {  // as on Kubernetes: the platform reports health itself
      for (auto& i : out) i.health = i.running ? HealthStatus::kHealthy : HealthStatus::kNone;
    }
    return out;
  }
  model::Result<Instance> inspect(const std::string& id) override {
    auto it = containers.find(id);
    if (it == containers.end()) return model::Error::terminal("no such container " + id);
    return it->second;
  }
  model::Result<bool> image_present(const model::ImageRef& image) override {
    return std::find(images.begin(), images.end(), image.value()) != images.end();
  }
  model::Status ensure_image(const model::ImageRef& image) override {
    calls.push_back("ensure_image " + image.value());
    if (std::find(images.begin(), images.end(), image.value()) == images.end()) {
      return model::Error::terminal("image " + image.value() +
                                    " is not present and cannot be pulled");
    }
    return {};
  }
  model::Result<std::string> create_replacement(const Instance& from,
                                                const ContainerChange& change) override {
    calls.push_back("create " + change.name + " " + change.image.value());
    changes.push_back(change);
    Instance i = from;
    i.id = "c" + std::to_string(next_id++);
    i.name = change.name;
    i.image = change.image;
    i.running = false;
    i.health = HealthStatus::kNone;
    i.env = change.env;
    for (const auto& [k, v] : change.labels) i.labels[k] = v;
    i.created = std::chrono::system_clock::time_point(std::chrono::seconds(clock++));
    containers[i.id] = i;
    return i.id;
  }
  model::Result<std::string> create_for_service(const model::Target& t,
                                                const ContainerChange& change) override {
    const auto it = seen.find(t.docker->service);
    if (it == seen.end()) {
      return model::Error::terminal("no container of compose service " + t.docker->project + "/" +
                                    t.docker->service + " was ever seen");
    }
    ContainerChange named = change;
    if (named.name.empty()) named.name = canonical_name(it->second.name);
    calls.push_back("create-for-service");
    return create_replacement(it->second, named);
  }
  model::Status start(const std::string& id) override {
    calls.push_back("start " + containers.at(id).name);
    containers.at(id).running = true;
    return {};
  }
  model::Status stop(const std::string& id, std::chrono::seconds) override {
    calls.push_back("stop " + containers.at(id).name);
    containers.at(id).running = false;
    return {};
  }
  model::Status remove(const std::string& id) override {
    calls.push_back("remove " + containers.at(id).name);
    containers.erase(id);
    return {};
  }
  model::Status rename(const std::string& id, const std::string& name) override {
    calls.push_back("rename " + containers.at(id).name + " " + name);
    containers.at(id).name = name;
    return {};
  }
  model::Result<std::string> address(const std::string& id, int port) override {
    if (!addresses) return model::Error::terminal("no container addresses here");
    return containers.at(id).name + ":" + std::to_string(port);
  }
  // false: as on Kubernetes, address() fails and list() reports running
  // containers healthy (the rollout's health, not a probe).
  bool addresses = true;
  model::Result<CommandOutput> run_once(const OneOffCommand& command) override {
    calls.push_back("run-once " + command.image.value());
    one_offs.push_back(command);
    return one_off_result;
  }
};

// Answers by address prefix (the container name): healthy unless listed.
class FakeProbe : public HealthProbe {
 public:
  std::map<std::string, bool> healthy_by_image_name;  // container name -> healthy
  std::vector<std::string> probes;
  ProbeResult probe(const std::string& address, const model::HttpCheck& check,
                    model::Duration) override {
    probes.push_back(address + check.path);
    const std::string name = address.substr(0, address.find(':'));
    auto it = healthy_by_image_name.find(name);
    const bool ok = it == healthy_by_image_name.end() || it->second;
    return {ok, ok ? 200 : 503, ok ? "200 OK" : "503 Service Unavailable"};
  }
};

}  // namespace rwd::execute::testing
