#pragma once
// Releases and Rollbacks from the Kubernetes API server into the store: one
// reflector (list + watch) per kind, in every namespace or in one.
//
// The store holds what a reconcile needs from the source: metadata and spec.
// Status and resourceVersion are left out, so that rewind's own status
// writes (which the watch reports back) are not changes that queue the
// Release again. An object that does not decode or validate is reported (the
// handler: the log, and an Event on it) and the last good version of it
// stays in the store: a broken edit never changes what runs.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rewind/kube/api.hpp"
#include "rewind/kube/reflector.hpp"
#include "rewind/runtime/store.hpp"

namespace rwd::kube {

inline constexpr const char* kSourceName = "kubernetes";

// What was wrong with one object: its kind, namespace/name, uid (for an
// Event on it) and every error.
struct ObjectDiagnostics {
  const Resource* kind = &kReleases;
  model::ObjectKey key;
  std::string uid;
  std::vector<model::Diagnostic> errors;
};
using DiagnosticsHandler = std::function<void(const ObjectDiagnostics&)>;

// The object as the store keeps it (status and resourceVersion cleared).
model::Object desired_part(model::Object object);

class KubeSource {
 public:
  // `ns` empty: every namespace.
  KubeSource(Api& api, runtime::Store& store, std::string ns = {}, StopWait wait = {});
  ~KubeSource();
  KubeSource(const KubeSource&) = delete;
  KubeSource& operator=(const KubeSource&) = delete;

  void on_diagnostics(DiagnosticsHandler handler) { diagnostics_ = std::move(handler); }

  // Starts the two reflectors' threads.
  void start();
  void stop();

  // Both kinds were listed once.
  [[nodiscard]] bool has_synced() const;

  // What the reflectors call (public for unit tests, which drive them
  // without threads).
  void replace(const Resource& kind, std::vector<Json> items);
  void event(const Resource& kind, WatchType type, const Json& object);

 private:
  // The decoded object, or the last good one (nullopt when there is none).
  std::optional<model::Object> accept(const Resource& kind, const Json& object);

  Api& api_;
  runtime::Store& store_;
  std::string ns_;
  DiagnosticsHandler diagnostics_;
  std::mutex write_mu_;  // one replace() or event() at a time (both kinds share the source)
  std::mutex mu_;        // last_good_
  std::map<runtime::ObjectRef, model::Object> last_good_;
  std::unique_ptr<Reflector> releases_;
  std::unique_ptr<Reflector> rollbacks_;
  std::jthread releases_thread_;
  std::jthread rollbacks_thread_;
};

}  // namespace rwd::kube
