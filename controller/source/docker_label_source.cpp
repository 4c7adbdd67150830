// The Docker label source: labelled compose services as Releases in the store.

#include "rewind/source/docker_label_source.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

namespace rwd::source {
namespace {

model::Diagnostic diagnostic(std::string source, std::string path, std::string message) {
  return model::Diagnostic{std::move(source), std::nullopt,
                           model::FieldError{std::move(path), std::move(message), {}}};
}

constexpr const char* kOriginPrefix = "docker:";  // + container name

std::string release_path() { return std::string("label ") + docker_label::kRelease; }

bool from_labels(const model::Release& r) {
  const auto it = r.metadata.annotations.find(docker_label::kSourceAnnotation);
  return it != r.metadata.annotations.end() && it->second == docker_label::kSourceValue;
}

bool resyncing_action(const std::string& action) {
  return action == "create" || action == "destroy" || action == "rename";
}

}  // namespace

struct DockerLabelSource::Outcome {
  std::optional<Published> published;
  std::vector<model::Diagnostic> errors;
};

DockerLabelSource::DockerLabelSource(ContainerLister lister, StoredReleaseReader stored,
                                     runtime::Store& store)
    : lister_(std::move(lister)), stored_(std::move(stored)), store_(store) {}

void DockerLabelSource::on_diagnostics(LabelDiagnosticsCallback callback) {
  on_diagnostics_ = std::move(callback);
}

model::Status DockerLabelSource::resync() {
  std::lock_guard lock(resync_mu_);
  auto listed = lister_();
  if (!listed) {
    std::lock_guard stats(mu_);
    ++stats_.failed_resyncs;
    return listed.error();
  }
  ServiceGroups groups = group_by_service(std::move(listed).value());
  std::vector<model::Diagnostic> errors = std::move(groups.errors);
  std::map<ServiceKey, Published> next;
  for (const auto& [service, containers] : groups.services) {
    Outcome o = service_release(service, containers);
    errors.insert(errors.end(), o.errors.begin(), o.errors.end());
    if (o.published) next.emplace(service, std::move(*o.published));
  }
  {
    std::lock_guard stats(mu_);
    ++stats_.resyncs;
    stats_.services = groups.services.size();
  }
  publish(std::move(next), std::move(errors));
  synced_.store(true);
  return {};
}

DockerLabelSource::Outcome DockerLabelSource::service_release(
    const ServiceKey& service, const std::vector<LabelledContainer>& newest_first) {
  Outcome out;
  const LabelledContainer* defining = defining_container(newest_first);
  if (defining == nullptr) {
    // rewind created every container: the desired state stays what it was.
    out.published = remembered(service, newest_first, out.errors);
    return out;
  }
  LabelRead read = read_release_labels(*defining);
  if (read.release) {
    out.published = Published{std::move(*read.release), defining->name};
    return out;
  }
  out.errors = std::move(read.errors);
  // Broken labels: the last good Release stays.
  if (auto it = published_.find(service); it != published_.end()) out.published = it->second;
  return out;
}

std::optional<DockerLabelSource::Published> DockerLabelSource::remembered(
    const ServiceKey& service, const std::vector<LabelledContainer>& newest_first,
    std::vector<model::Diagnostic>& errors) {
  if (auto it = published_.find(service); it != published_.end()) return it->second;
  // After a restart: ours only if rewind stored it as a Release from labels.
  // rewind labels the containers it creates for a Release from a file too;
  // those services are the file's (and gone with it), never this source's.
  const LabelledContainer& newest = newest_first.front();
  const auto key = release_key(newest);
  if (!key || !stored_) return std::nullopt;
  auto stored = stored_(*key);
  if (!stored) {
    errors.push_back(diagnostic(
        container_label(newest), release_path(),
        "cannot read the Release rewind stored for " + key->str() + ": " + stored.error().message));
    return std::nullopt;
  }
  if (!*stored || !from_labels(**stored) ||
      (*stored)->spec.target.docker != model::DockerTarget{service.project, service.service}) {
    return std::nullopt;
  }
  model::Release r;
  r.metadata.name = key->name;
  r.metadata.ns = key->ns;
  r.metadata.annotations[docker_label::kSourceAnnotation] = docker_label::kSourceValue;
  r.spec = (*stored)->spec;
  return Published{std::move(r), newest.name};
}

void DockerLabelSource::publish(std::map<ServiceKey, Published> next,
                                std::vector<model::Diagnostic> errors) {
  std::vector<runtime::ReplaceItem> items;
  std::map<runtime::ObjectRef, ServiceKey> holders;
  for (auto it = next.begin(); it != next.end();) {
    auto& [service, p] = *it;
    const auto ref = runtime::release_ref(p.release.metadata.ns, p.release.metadata.name);
    if (auto held = holders.find(ref); held != holders.end()) {
      errors.push_back(diagnostic("container " + p.container, release_path(),
                                  "Release " + ref.key.str() +
                                      " is already defined by compose service " +
                                      held->second.str()));
      it = next.erase(it);
      continue;
    }
    // The same Release as before keeps its origin: a container recreated
    // with the same spec, or renamed, changes nothing in the store.
    if (auto old = published_.find(service);
        old != published_.end() && old->second.release == p.release) {
      p.container = old->second.container;
    }
    holders.emplace(ref, service);
    items.push_back({p.release, kOriginPrefix + p.container});
    ++it;
  }
  const runtime::ReplaceResult result = store_.replace_all(name_, std::move(items));
  for (const runtime::Event& e : result.events) {
    spdlog::info("{}: {} {} ({})", name_, runtime::to_string(e.type), e.ref.str(), e.origin);
  }
  for (const runtime::Conflict& c : result.conflicts) {
    const Published& waiting = next.at(holders.at(c.ref));
    errors.push_back(diagnostic("container " + waiting.container, release_path(), c.message()));
  }
  {
    std::lock_guard lock(mu_);
    stats_.releases = next.size();
  }
  published_ = std::move(next);
  report(std::move(errors));
}

void DockerLabelSource::report(std::vector<model::Diagnostic> errors) {
  std::vector<std::string> lines;
  lines.reserve(errors.size());
  for (const auto& d : errors) lines.push_back(d.str());
  {
    std::lock_guard lock(mu_);
    diagnostics_ = errors;
    if (lines == last_reported_) return;
    for (const auto& line : lines) {
      if (std::find(last_reported_.begin(), last_reported_.end(), line) == last_reported_.end()) {
        spdlog::warn("{}: {}", name_, line);
      }
    }
    if (lines.empty()) spdlog::info("{}: no errors", name_);
    last_reported_ = std::move(lines);
  }
  if (on_diagnostics_) on_diagnostics_(errors);
}

bool DockerLabelSource::on_event(const docker::Event& event) {
  if (event.type != "container" || !event.attributes.contains(docker_label::kRelease) ||
      !resyncing_action(event.action)) {
    return false;
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.events;
  }
  if (auto st = resync(); !st) {
    spdlog::warn("{}: resync after {} of container {}: {}", name_, event.action, event.id,
                 st.error().message);
  }
  return true;
}

std::vector<model::Diagnostic> DockerLabelSource::diagnostics() const {
  std::lock_guard lock(mu_);
  return diagnostics_;
}

DockerLabelSourceStats DockerLabelSource::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace rwd::source
