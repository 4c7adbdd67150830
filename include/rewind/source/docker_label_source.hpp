#pragma once
// The Docker label source: compose services whose containers carry
// `rewind.dev/release` (docker_labels.hpp), as Releases in the Store.
//
//   source::DockerLabelSource labels(lister, read_stored_release, store);
//   labels.resync();               // list, group, build, update the store
//   labels.on_event(docker_event); // a labelled container was created, removed, renamed
//   labels.has_synced();           // for /readyz
//
// Passive: it has no thread; the caller runs resync() periodically and when
// the event stream (re)connects, and passes container events to on_event().
// Both may be called from different threads (they run one at a time).
//
// Rules, per compose service:
// - The desired state is what `docker compose up` last created: the Release
//   read from the newest container rewind did not create.
// - When rewind created every container of the service (it rolled the
//   service back), the desired state stays what it was: the Release this
//   source has; after a restart, the one rewind stored last
//   (`StoredReleaseReader`) when it was a Release from labels. (rewind
//   labels the containers it creates for Releases from files too: those
//   services are not this source's.)
// - Labels that do not make a valid Release are reported (diagnostics) and
//   the service keeps its last good Release.
// - A service without containers (`docker compose down`) is gone: its
//   Release is deleted from the store; rewind forgets it.
// - The store changes only when a Release changes: an unchanged container
//   never re-adds its object.
// Only this source's entries are touched (source name "docker-labels",
// origin "docker:<container name>").

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rewind/docker/events.hpp"
#include "rewind/model/codec.hpp"
#include "rewind/model/result.hpp"
#include "rewind/runtime/store.hpp"
#include "rewind/source/docker_labels.hpp"

namespace rwd::source {

// Every container labelled rewind.dev/release, running or not.
using ContainerLister = std::function<model::Result<std::vector<LabelledContainer>>()>;

// The Release rewind stored last for a key (history::StatusStore::read_release).
using StoredReleaseReader =
    std::function<model::Result<std::optional<model::Release>>(const model::ObjectKey&)>;

// Called whenever the set of diagnostics changes (also when it becomes empty).
using LabelDiagnosticsCallback = std::function<void(const std::vector<model::Diagnostic>&)>;

struct DockerLabelSourceStats {
  std::uint64_t resyncs = 0;  // successful ones
  std::uint64_t failed_resyncs = 0;
  std::uint64_t events = 0;  // events that caused a resync
  std::size_t services = 0;
  std::size_t releases = 0;
};

class DockerLabelSource {
 public:
  static constexpr const char* kSourceName = "docker-labels";

  DockerLabelSource(ContainerLister lister, StoredReleaseReader stored, runtime::Store& store);
  DockerLabelSource(const DockerLabelSource&) = delete;
  DockerLabelSource& operator=(const DockerLabelSource&) = delete;

  // Set before the first resync().
  void on_diagnostics(LabelDiagnosticsCallback callback);

  // Lists the containers and brings the store in line. When listing fails,
  // nothing changes and the error is returned.
  model::Status resync();

  // A container event: create, destroy and rename of a labelled container
  // resync. Returns whether it did.
  bool on_event(const docker::Event& event);

  [[nodiscard]] bool has_synced() const noexcept { return synced_.load(); }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::vector<model::Diagnostic> diagnostics() const;
  [[nodiscard]] DockerLabelSourceStats stats() const;

 private:
  // What this source publishes for one compose service.
  struct Published {
    model::Release release;
    std::string container;  // the one it was read from; origin "docker:<container>"
  };
  struct Outcome;  // of one service, in a resync

  Outcome service_release(const ServiceKey& service,
                          const std::vector<LabelledContainer>& newest_first);
  std::optional<Published> remembered(const ServiceKey& service,
                                      const std::vector<LabelledContainer>& newest_first,
                                      std::vector<model::Diagnostic>& errors);
  void publish(std::map<ServiceKey, Published> next, std::vector<model::Diagnostic> errors);
  void report(std::vector<model::Diagnostic> errors);

  std::string name_ = kSourceName;
  ContainerLister lister_;
  StoredReleaseReader stored_;
  runtime::Store& store_;
  LabelDiagnosticsCallback on_diagnostics_;
  std::atomic<bool> synced_{false};

  std::mutex resync_mu_;  // one resync at a time; guards published_
  std::map<ServiceKey, Published> published_;

  mutable std::mutex mu_;  // diagnostics_ and stats_, read by other threads
  std::vector<model::Diagnostic> diagnostics_;
  std::vector<std::string> last_reported_;
  DockerLabelSourceStats stats_;
};

}  // namespace rwd::source
