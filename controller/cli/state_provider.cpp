#include "state_provider.hpp"

#include "rewind/model/codec.hpp"

#include "state_format.hpp"

namespace rwd::cli {

std::vector<model::Json> StateProvider::releases() const {
  return all(history::StatusKind::kRelease);
}

std::optional<model::Json> StateProvider::release(const model::ObjectKey& key) const {
  auto r = status_.read_release(key);
  if (!r || !*r) return std::nullopt;
  return release_json(**r);
}

std::vector<model::Json> StateProvider::rollbacks() const {
  return all(history::StatusKind::kRollback);
}

std::optional<model::Json> StateProvider::rollback(const model::ObjectKey& key) const {
  auto r = status_.read_rollback(key);
  if (!r || !*r) return std::nullopt;
  return model::to_json(**r);
}

std::optional<model::Json> StateProvider::history(const model::ObjectKey& key) const {
  auto h = history_.load(key);
  if (!h || h->revisions.empty()) return std::nullopt;
  return history_json(*h);
}

std::vector<model::Json> StateProvider::all(history::StatusKind kind) const {
  std::vector<model::Json> out;
  auto keys = status_.list(kind);
  if (!keys) return out;
  for (const auto& k : *keys) {
    auto j = kind == history::StatusKind::kRelease ? release(k) : rollback(k);
    if (j) out.push_back(std::move(*j));
  }
  return out;
}

}  // namespace rwd::cli
