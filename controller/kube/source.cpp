// Releases and Rollbacks from the API server into the store.

#include "rewind/kube/source.hpp"

#include <set>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>

#include "rewind/kube/objects.hpp"

namespace rwd::kube {
namespace {

runtime::ObjectRef ref_of_json(const Resource& kind, const Json& object) {
  return kind == kRollbacks
             ? runtime::rollback_ref(meta_string(object, "namespace"), meta_string(object, "name"))
             : runtime::release_ref(meta_string(object, "namespace"), meta_string(object, "name"));
}

}  // namespace

model::Object desired_part(model::Object object) {
  std::visit(
      [](auto& o) {
        o.status = {};
        o.metadata.resource_version.clear();
      },
      object);
  return object;
}

KubeSource::KubeSource(Api& api, runtime::Store& store, std::string ns, StopWait wait)
    : api_(api), store_(store), ns_(std::move(ns)) {
  auto make = [&](const Resource& kind) {
    return std::make_unique<Reflector>(
        api_, path_of(kind, ns_),
        ReflectorHandlers{
            [this, &kind](std::vector<Json> items) { replace(kind, std::move(items)); },
            [this, &kind](WatchType t, const Json& o) { event(kind, t, o); },
            [&kind](const model::Error& e) {
              if (e.reason == "NotFound") {
                spdlog::error(
                    "Kubernetes: the API server does not serve {}: are the rewind "
                    "CRDs installed? (kubectl apply -f crds/; listing again)",
                    kind.plural);
                return;
              }
              spdlog::warn("Kubernetes: {} list/watch: {} (listing again)", kind.plural, e.message);
            }},
        wait);
  };
  releases_ = make(kReleases);
  rollbacks_ = make(kRollbacks);
}

KubeSource::~KubeSource() { stop(); }

void KubeSource::start() {
  releases_thread_ = std::jthread([this](std::stop_token s) { releases_->run(s); });
  rollbacks_thread_ = std::jthread([this](std::stop_token s) { rollbacks_->run(s); });
}

void KubeSource::stop() {
  for (auto* t : {&releases_thread_, &rollbacks_thread_}) {
    if (t->joinable()) {
      t->request_stop();
      t->join();
    }
  }
}

bool KubeSource::has_synced() const { return releases_->has_synced() && rollbacks_->has_synced(); }

std::optional<model::Object> KubeSource::accept(const Resource& kind, const Json& object) {
  Decoded d = decode_api_object(object);
  if (!d.errors.empty() && diagnostics_) {
    diagnostics_({&kind,
                  {meta_string(object, "namespace"), meta_string(object, "name")},
                  meta_string(object, "uid"),
                  d.errors});
  }
  if (d.object) {
    model::Object kept = desired_part(std::move(*d.object));
    const runtime::ObjectRef ref = runtime::ref_of(kept);
    std::lock_guard lock(mu_);
    last_good_.insert_or_assign(ref, kept);
    return kept;
  }
  const runtime::ObjectRef ref = ref_of_json(kind, object);
  std::lock_guard lock(mu_);
  if (auto it = last_good_.find(ref); it != last_good_.end()) {
    spdlog::warn("{}: keeping its last valid spec until the object is fixed", ref.str());
    return it->second;
  }
  return std::nullopt;
}

void KubeSource::replace(const Resource& kind, std::vector<Json> items) {
  std::lock_guard write(write_mu_);
  std::vector<runtime::ReplaceItem> objects;
  for (const auto& item : items) {
    Json o = item;
    if (!o.contains("kind")) o["kind"] = kind.kind;  // list items may leave it out
    if (!o.contains("apiVersion")) o["apiVersion"] = api_version(kind);
    if (auto accepted = accept(kind, o)) objects.push_back({std::move(*accepted), {}});
  }
  // Both kinds share the source name; a relist of one must not drop the other.
  const bool rollbacks = kind == kRollbacks;
  for (const auto& e : store_.list_source(kSourceName)) {
    const bool is_rollback = e.ref.kind == runtime::Kind::kRollback;
    if (is_rollback != rollbacks) objects.push_back({*e.object, e.origin});
  }
  {
    std::set<runtime::ObjectRef> listed;
    for (const auto& o : objects) listed.insert(runtime::ref_of(o.object));
    std::lock_guard lock(mu_);
    std::erase_if(last_good_, [&](const auto& kv) { return listed.count(kv.first) == 0; });
  }
  auto result = store_.replace_all(kSourceName, std::move(objects));
  for (const auto& c : result.conflicts) spdlog::warn("{}", c.message());
}

void KubeSource::event(const Resource& kind, WatchType type, const Json& object) {
  std::lock_guard write(write_mu_);
  Json o = object;
  if (!o.contains("kind")) o["kind"] = kind.kind;
  if (!o.contains("apiVersion")) o["apiVersion"] = api_version(kind);
  if (type == WatchType::kDeleted) {
    const runtime::ObjectRef ref = ref_of_json(kind, o);
    {
      std::lock_guard lock(mu_);
      last_good_.erase(ref);
    }
    (void)store_.apply(runtime::Event::deletion(kSourceName, ref));
    return;
  }
  if (auto accepted = accept(kind, o)) {
    auto r = store_.apply(runtime::Event::upsert(kSourceName, std::move(*accepted)));
    if (r.conflict) spdlog::warn("{}", r.conflict->message());
  }
}

}  // namespace rwd::kube
