#pragma once
// rewind's memory in Kubernetes mode: the status subresource of each Release
// (phase, conditions, progress, and the revision history as status.history)
// and of each Rollback. Nothing is kept on the controller's disk, so a
// controller that moves to another node, or a second one taking over the
// Lease, continues from the same place.
//
// Every write reads the object first and PUTs /status with its
// resourceVersion; a 409 Conflict (someone changed the object meanwhile) is
// read and tried again, up to kConflictRetries times, then reported as a
// transient error (the Release is requeued). A write that would change
// nothing is not sent.

#include <atomic>
#include <cstdint>
#include <optional>

#include "rewind/history/store.hpp"
#include "rewind/kube/api.hpp"

namespace rwd::kube {

inline constexpr int kConflictRetries = 4;

class KubeStatusStore final : public history::StatusStore, public history::HistoryStore {
 public:
  explicit KubeStatusStore(Api& api) : api_(api) {}

  // StatusStore
  model::Status write(const model::Release& release) override;
  model::Status write(const model::Rollback& rollback) override;
  model::Result<std::optional<model::Release>> read_release(const model::ObjectKey& key) override;
  model::Result<std::optional<model::Rollback>> read_rollback(const model::ObjectKey& key) override;
  model::Result<std::vector<model::ObjectKey>> list(history::StatusKind kind) override;
  // The status goes with its object: nothing to remove or move aside.
  model::Status remove(history::StatusKind kind, const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(history::StatusKind kind,
                                        const model::ObjectKey& key) override;

  // HistoryStore (status.history of the Release)
  model::Result<model::History> load(const model::ObjectKey& key) override;
  model::Status save(const model::ObjectKey& key, const model::History& history) override;
  model::Result<std::vector<model::ObjectKey>> list() override;
  model::Status remove(const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(const model::ObjectKey& key) override;

  // PUTs sent and PUTs left out because nothing changed.
  [[nodiscard]] std::uint64_t writes() const { return writes_.load(); }
  [[nodiscard]] std::uint64_t unchanged() const { return unchanged_.load(); }

 private:
  // GET the object, let `change` edit its status (returning false when it
  // changed nothing), PUT /status; again on a conflict.
  model::Status update_status(const Resource& r, const model::ObjectKey& key,
                              const std::function<model::Status(Json& status)>& change);

  Api& api_;
  std::atomic<std::uint64_t> writes_{0};
  std::atomic<std::uint64_t> unchanged_{0};
};

}  // namespace rwd::kube
