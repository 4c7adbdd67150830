// execute::ContainerPlatform on the Docker Engine.

#include "rewind/docker/platform.hpp"

#include <spdlog/spdlog.h>

#include "rewind/model/time.hpp"

namespace rwd::docker {

namespace label = execute::label;

namespace {

// The container that serves: a running one, the newest first; else the
// newest. One-off containers (`docker compose run`) do not serve.
const ContainerInspect* serving(const std::vector<ContainerInspect>& containers) {
  const ContainerInspect* best = nullptr;
  const auto created = [](const ContainerInspect& c) {
    return model::parse_timestamp(c.created).value_or(model::Timestamp{});
  };
  for (const auto& c : containers) {
    const auto oneoff = c.labels.find(label::kComposeOneOff);
    if (oneoff != c.labels.end() && oneoff->second == "True") continue;
    if (best == nullptr || (c.running && !best->running) ||
        (c.running == best->running && created(c) > created(*best))) {
      best = &c;
    }
  }
  return best;
}

std::string never_seen(const model::DockerTarget& d, const std::filesystem::path& file) {
  std::string where = file.empty() ? "since it started (it keeps them in memory only)"
                                   : "(it keeps the last one in " + file.string() + ")";
  return "no container of compose service " + d.project + "/" + d.service +
         " exists, and rewind never saw the configuration of one " + where +
         "; create it once with `docker compose up -d " + d.service + "`, then rewind manages it";
}

}  // namespace

DockerPlatform::DockerPlatform(std::unique_ptr<Client> client, DockerPlatformOptions options)
    : client_(std::move(client)),
      snapshots_(std::move(options.snapshot_dir)),
      one_off_http_(std::move(options.one_off_http)) {}

model::Result<std::vector<execute::Instance>> DockerPlatform::list(const model::Target& target) {
  if (!target.docker) {
    return model::Error::invalid_spec("spec.target: the Docker platform needs target.docker");
  }
  std::lock_guard lock(mu_);
  bool fresh = false;
  auto containers = service_containers_locked(*target.docker, fresh);
  if (!containers) return containers.error();
  if (fresh) remember_locked(*containers);
  std::vector<execute::Instance> out;
  for (const auto& c : *containers) out.push_back(to_instance(c));
  return out;
}

model::Result<std::vector<ContainerInspect>> DockerPlatform::service_containers_locked(
    const model::DockerTarget& d, bool& fresh) {
  const std::string key = d.project + "/" + d.service;
  std::uint64_t epoch = 0;
  std::uint64_t changes = 0;
  {
    const std::lock_guard lock(cache_.mu);
    if (cache_.on) {
      if (auto it = cache_.containers.find(key); it != cache_.containers.end()) {
        ++cache_.hits;
        fresh = false;
        return it->second;
      }
    }
    epoch = cache_.epoch;
    changes = cache_.changes[key];
  }
  fresh = true;
  auto listed = inspect_service_locked(d);
  if (!listed) return listed;
  const std::lock_guard lock(cache_.mu);
  // Kept only when no event of the service (nor a drop) came meanwhile:
  // else what was listed may already be out of date.
  if (cache_.on && cache_.epoch == epoch && cache_.changes[key] == changes) {
    cache_.containers[key] = *listed;
  }
  return listed;
}

void DockerPlatform::events_up() {
  const std::lock_guard lock(cache_.mu);
  cache_.on = true;
  cache_.drop_all();
}

void DockerPlatform::events_down() {
  const std::lock_guard lock(cache_.mu);
  cache_.on = false;
  cache_.drop_all();
}

void DockerPlatform::container_event(const std::string& project, const std::string& service) {
  const std::string key = project + "/" + service;
  const std::lock_guard lock(cache_.mu);
  ++cache_.changes[key];
  cache_.containers.erase(key);
}

void DockerPlatform::image_event() {
  const std::lock_guard lock(cache_.mu);
  ++cache_.image_changes;
  cache_.images.clear();
}

void DockerPlatform::forget_cached() {
  const std::lock_guard lock(cache_.mu);
  cache_.drop_all();
}

std::uint64_t DockerPlatform::cache_hits() const {
  const std::lock_guard lock(cache_.mu);
  return cache_.hits;
}

model::Result<std::vector<ContainerInspect>> DockerPlatform::inspect_service_locked(
    const model::DockerTarget& d) {
  auto summaries =
      client_->list_containers({std::string(label::kComposeProject) + "=" + d.project,
                                std::string(label::kComposeService) + "=" + d.service});
  if (!summaries) return summaries.error().error;
  std::vector<ContainerInspect> containers;
  for (const auto& s : *summaries) {
    auto c = client_->inspect_container(s.id);
    if (!c) {
      if (c.error().not_found()) continue;  // removed since the list
      return c.error().error;
    }
    containers.push_back(std::move(*c));
  }
  return containers;
}

void DockerPlatform::remember_locked(const std::vector<ContainerInspect>& containers) {
  const ContainerInspect* c = serving(containers);
  if (c == nullptr) return;
  auto probe = take_snapshot(*c, std::nullopt);
  if (!probe) return;
  const std::string service = probe->project + "/" + probe->service;
  // The image's Config: kept from the snapshot of the same container, else asked for.
  std::optional<nlohmann::json> image_config;
  auto kept = snapshots_.find(probe->project, probe->service);
  if (kept && *kept && (*kept)->container_id == c->id) {
    image_config = (*kept)->image_config;
  } else if (auto image = client_->inspect_image(c->image_id)) {
    image_config = image->config;
  } else if (!image.error().not_found()) {
    return;  // the Engine is away; the next list tries again
  }
  probe->image_config = std::move(image_config);
  const model::Status st = snapshots_.keep(*probe);
  std::string& logged = snapshot_errors_[service];
  if (!st && logged != st.error().message) {
    spdlog::warn("compose service {}: cannot keep the configuration of container {}: {}", service,
                 c->name, st.error().message);
  }
  logged = st ? "" : st.error().message;
}

model::Result<ContainerInspect> DockerPlatform::network_source(const model::DockerTarget& d) {
  std::lock_guard lock(mu_);
  auto listed = inspect_service_locked(d);
  if (!listed) return listed.error();
  const std::vector<ContainerInspect>& containers = *listed;
  if (const ContainerInspect* c = serving(containers)) return *c;
  auto kept = snapshots_.find(d.project, d.service);
  if (kept && *kept) return as_container(**kept);
  return model::Error::terminal("no container of compose service " + d.project + "/" + d.service +
                                " to take networks from for a one-off container; create it "
                                "with `docker compose up -d " +
                                d.service + "`");
}

model::Result<std::unique_ptr<http::Client>> DockerPlatform::one_off_connection() {
  if (one_off_http_) return one_off_http_();
  return http::make_client(client_->endpoint());
}

model::Result<execute::Instance> DockerPlatform::inspect(const std::string& id) {
  std::lock_guard lock(mu_);
  auto c = client_->inspect_container(id);
  if (!c) return c.error().error;
  return to_instance(*c);
}

model::Result<bool> DockerPlatform::image_present(const model::ImageRef& image) {
  std::uint64_t epoch = 0;
  std::uint64_t changes = 0;
  {
    const std::lock_guard lock(cache_.mu);
    if (cache_.on) {
      if (auto it = cache_.images.find(image.value()); it != cache_.images.end()) {
        ++cache_.hits;
        return it->second;
      }
    }
    epoch = cache_.epoch;
    changes = cache_.image_changes;
  }
  std::lock_guard lock(mu_);
  auto i = client_->inspect_image(image.value());
  if (!i && !i.error().not_found()) return i.error().error;
  const bool present = i.ok();
  const std::lock_guard cache_lock(cache_.mu);
  if (cache_.on && cache_.epoch == epoch && cache_.image_changes == changes) {
    cache_.images[image.value()] = present;
  }
  return present;
}

model::Status DockerPlatform::ensure_image(const model::ImageRef& image) {
  auto present = image_present(image);
  if (!present) return present.error();
  if (*present) return {};
  std::lock_guard lock(mu_);
  auto pulled = client_->pull_image(image.value());
  forget_cached();
  return pulled.to_model();
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
  return create_locked(*replacement, change.name);
}

model::Result<std::string> DockerPlatform::create_for_service(
    const model::Target& target, const execute::ContainerChange& change) {
  if (!target.docker) {
    return model::Error::invalid_spec("spec.target: the Docker platform needs target.docker");
  }
  const auto& d = *target.docker;
  std::lock_guard lock(mu_);
  auto kept = snapshots_.find(d.project, d.service);
  if (!kept) {
    return model::Error::terminal("no container of compose service " + d.project + "/" + d.service +
                                  " exists, and its last configuration cannot be " +
                                  "read: " + kept.error().message);
  }
  if (!*kept) return model::Error::terminal(never_seen(d, snapshots_.file(d.project, d.service)));
  const ServiceSnapshot& s = **kept;
  auto replacement = build_replacement(as_container(s), s.image_config, change);
  if (!replacement) return replacement.error();
  const std::string name = change.name.empty() ? s.name : change.name;
  auto id = create_locked(*replacement, name);
  if (!id) {
    return model::Error{id.error().kind,
                        "creating container " + name + " of compose service " + d.project + "/" +
                            d.service + " from the configuration of container " +
                            s.container_id.substr(0, 12) + ": " + id.error().message};
  }
  return id;
}

model::Result<std::string> DockerPlatform::create_locked(const Replacement& r,
                                                         const std::string& name) {
  forget_cached();  // whether or not it is created: the Engine is asked again
  auto id = client_->create_container(r.create_body, name);
  if (!id) return id.error().error;
  for (const auto& [network, settings] : r.extra_networks) {
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
  auto started = client_->start_container(id);
  forget_cached();
  if (!started && started.error().not_found()) {
    // Removed since it was listed (`docker rm -f`): the next list shows it
    // gone, and the service's container is created again then.
    return model::Error::transient(started.error().message() + " (removed since it was listed)");
  }
  return started.to_model();
}

model::Status DockerPlatform::stop(const std::string& id, std::chrono::seconds grace) {
  std::lock_guard lock(mu_);
  auto stopped = client_->stop_container(id, grace);
  forget_cached();
  return stopped.to_model();
}

model::Status DockerPlatform::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  auto removed = client_->remove_container(id, true);
  forget_cached();
  if (!removed && removed.error().not_found()) return {};
  return removed.to_model();
}

model::Status DockerPlatform::rename(const std::string& id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto renamed = client_->rename_container(id, name);
  forget_cached();
  return renamed.to_model();
}

model::Result<std::string> DockerPlatform::address(const std::string& id, int port) {
  std::lock_guard lock(mu_);
  auto c = client_->inspect_container(id);
  if (!c) return c.error().error;
  return container_address(*c, port);
}

}  // namespace rwd::docker
