// execute::ContainerPlatform on the Docker Engine.

#include "rewind/docker/platform.hpp"

#include "rewind/docker/replacement.hpp"

namespace rwd::docker {

namespace label = execute::label;

DockerPlatform::DockerPlatform(std::unique_ptr<Client> client) : client_(std::move(client)) {}

model::Result<std::vector<execute::Instance>> DockerPlatform::list(const model::Target& target) {
  if (!target.docker) {
    return model::Error::invalid_spec("spec.target: the Docker platform needs target.docker");
  }
  const auto& d = *target.docker;
  std::lock_guard lock(mu_);
  auto summaries = client_->list_containers(
      {std::string(label::kComposeProject) + "=" + d.project,
       std::string(label::kComposeService) + "=" + d.service});
  if (!summaries) return summaries.error().error;
  std::vector<execute::Instance> out;
  for (const auto& s : *summaries) {
    auto c = client_->inspect_container(s.id);
    if (!c) {
      if (c.error().not_found()) continue;  // removed since the list
      return c.error().error;
    }
    out.push_back(to_instance(*c));
  }
  return out;
}

model::Result<execute::Instance> DockerPlatform::inspect(const std::string& id) {
  std::lock_guard lock(mu_);
  auto c = client_->inspect_container(id);
  if (!c) return c.error().error;
  return to_instance(*c);
}

model::Result<bool> DockerPlatform::image_present(const model::ImageRef& image) {
  std::lock_guard lock(mu_);
  auto i = client_->inspect_image(image.value());
  if (i) return true;
  if (i.error().not_found()) return false;
  return i.error().error;
}

model::Status DockerPlatform::ensure_image(const model::ImageRef& image) {
  auto present = image_present(image);
  if (!present) return present.error();
  if (*present) return {};
  std::lock_guard lock(mu_);
  return client_->pull_image(image.value()).to_model();
}

model::Result<std::string> DockerPlatform::create_replacement(
    const execute::Instance& from, const execute::ContainerChange& change) {
  std::lock_guard lock(mu_);
  auto old = client_->inspect_container(from.id);
  if (!old) return old.error().error;
  std::optional<nlohmann::json> image_config;
  if (auto image = client_->inspect_image(old->image_id)) {
    image_config = image->config;
  } else if (!image.error().not_found()) {
    return image.error().error;
  }
  auto replacement = build_replacement(*old, image_config, change);
  if (!replacement) return replacement.error();
  auto id = client_->create_container(replacement->create_body, change.name);
  if (!id) return id.error().error;
  for (const auto& [network, settings] : replacement->extra_networks) {
    auto connected = client_->connect_network(network, *id, settings);
    if (!connected) {
      (void)client_->remove_container(*id, true);
      return connected.error().error;
    }
  }
  return std::move(id.value());
}

model::Status DockerPlatform::start(const std::string& id) {
  std::lock_guard lock(mu_);
  return client_->start_container(id).to_model();
}

model::Status DockerPlatform::stop(const std::string& id, std::chrono::seconds grace) {
  std::lock_guard lock(mu_);
  return client_->stop_container(id, grace).to_model();
}

model::Status DockerPlatform::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  auto removed = client_->remove_container(id, true);
  if (!removed && removed.error().not_found()) return {};
  return removed.to_model();
}

model::Status DockerPlatform::rename(const std::string& id, const std::string& name) {
  std::lock_guard lock(mu_);
  return client_->rename_container(id, name).to_model();
}

model::Result<std::string> DockerPlatform::address(const std::string& id, int port) {
  std::lock_guard lock(mu_);
  auto c = client_->inspect_container(id);
  if (!c) return c.error().error;
  return container_address(*c, port);
}

}  // namespace rwd::docker
