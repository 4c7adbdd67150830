#pragma once
// Containers for the Docker label source tests, built the way `docker compose
// up` labels them:
//   compose("shop-api-1").image("rewind-demo:v2").env("PORT", "8080").created(5)
//       .label("rewind.dev/health-port", "8080").get()

#include <chrono>
#include <map>
#include <string>

#include "rewind/source/docker_labels.hpp"

namespace rwd::source::testing {

class ContainerBuilder {
 public:
  explicit ContainerBuilder(std::string name, std::string project = "shop",
                            std::string service = "api") {
    c_.id = "id-" + name;
    c_.name = std::move(name);
    c_.image = "rewind-demo:v2";
    c_.running = true;
    c_.labels = {{docker_label::kComposeProject, std::move(project)},
                 {docker_label::kComposeService, std::move(service)},
                 {"com.docker.compose.container-number", "1"},
                 {docker_label::kComposeOneoff, "False"},
                 {docker_label::kRelease, "api"}};
  }
  ContainerBuilder& id(std::string v) { return set(c_.id, std::move(v)); }
  ContainerBuilder& image(std::string v) { return set(c_.image, std::move(v)); }
  ContainerBuilder& env(const std::string& k, std::string v) {
    c_.env[k] = std::move(v);
    return *this;
  }
  ContainerBuilder& label(const std::string& k, std::string v) {
    c_.labels[k] = std::move(v);
    return *this;
  }
  ContainerBuilder& without(const std::string& k) {
    c_.labels.erase(k);
    return *this;
  }
  ContainerBuilder& exposes(int port) {
    c_.exposed_tcp_ports.push_back(port);
    return *this;
  }
  // Seconds after an arbitrary epoch: larger is newer.
  ContainerBuilder& created(int seconds) {
    c_.created = model::Timestamp(std::chrono::seconds(seconds));
    return *this;
  }
  ContainerBuilder& stopped() {
    c_.running = false;
    return *this;
  }
  // What rewind's replacement of a revision carries besides compose's labels.
  ContainerBuilder& by_rewind(int revision, const std::string& key = "shop/api") {
    c_.labels[docker_label::kRelease] = key;
    c_.labels[docker_label::kRevision] = std::to_string(revision);
    return *this;
  }
  [[nodiscard]] LabelledContainer get() const { return c_; }
  operator LabelledContainer() const { return c_; }  // NOLINT(google-explicit-constructor)

 private:
  template <class T>
  ContainerBuilder& set(T& field, T value) {
    field = std::move(value);
    return *this;
  }
  LabelledContainer c_;
};

inline ContainerBuilder compose(std::string name, std::string project = "shop",
                                std::string service = "api") {
  return ContainerBuilder(std::move(name), std::move(project), std::move(service));
}

}  // namespace rwd::source::testing
