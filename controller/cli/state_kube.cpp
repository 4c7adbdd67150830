// `rewind status` and `rewind history` against the Kubernetes API server:
// Releases and their status.history as `rewind controller` writes them.

#include <algorithm>
#include <variant>

#include "rewind/kube/objects.hpp"
#include "rewind/kube/status_store.hpp"

#include "kube_options.hpp"
#include "state_reader.hpp"

namespace rwd::cli {
namespace {

class KubeReader final : public StateReader {
 public:
  KubeReader(std::unique_ptr<kube::Api> api, std::string list_ns)
      : api_(std::move(api)), store_(*api_), list_ns_(std::move(list_ns)) {}

  model::Result<ReleaseList> releases() override {
    auto listed = api_->list(kube::path_of(kube::kReleases, list_ns_));
    if (!listed) return fail(listed.error());
    ReleaseList out;
    for (const auto& item : listed->items) {
      const std::string name =
          kube::meta_string(item, "namespace") + "/" + kube::meta_string(item, "name");
      kube::Decoded d = kube::decode_api_object(item);
      if (d.object && std::holds_alternative<model::Release>(*d.object)) {
        out.releases.push_back(std::get<model::Release>(std::move(*d.object)));
      } else {
        out.errors.push_back(name + ": " +
                             (d.errors.empty() ? "not a Release" : d.errors.front().str()));
      }
    }
    std::sort(out.releases.begin(), out.releases.end(),
              [](const auto& a, const auto& b) { return a.metadata.key() < b.metadata.key(); });
    return out;
  }

  model::Result<std::optional<model::Release>> release(const model::ObjectKey& key) override {
    auto r = store_.read_release(key);
    if (!r) return fail(r.error());
    return r;
  }

  model::Result<model::History> history(const model::ObjectKey& key) override {
    auto h = store_.load(key);
    if (!h) return fail(h.error());
    if (h->revisions.empty()) {
      // No history, or no Release at all: say which.
      auto r = release(key);
      if (!r) return r.error();
      if (!*r) return model::Error::terminal("no Release " + key.str() + " " + where());
    }
    return h;
  }

  [[nodiscard]] std::string where() const override {
    return "in the cluster (" + api_->config().source + ")";
  }
  [[nodiscard]] std::optional<std::string> context_namespace() const override {
    return api_->config().ns;
  }

 private:
  model::Error fail(const model::Error& e) const {
    return {e.kind, explain_kube_error(*api_, e), e.reason};
  }

  std::unique_ptr<kube::Api> api_;
  kube::KubeStatusStore store_;
  std::string list_ns_;
};

}  // namespace

model::Result<std::unique_ptr<StateReader>> open_kube_reader(const KubeTarget& target,
                                                             const std::string& ns) {
  auto api = connect_kube(target);
  if (!api) return api.error();
  const std::string list_ns = target.namespace_given ? ns : "";
  return std::unique_ptr<StateReader>(std::make_unique<KubeReader>(std::move(*api), list_ns));
}

}  // namespace rwd::cli
