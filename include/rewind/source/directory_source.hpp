#pragma once
// The directory source: Release and Rollback files in a directory tree, read
// into the Store, kept current with inotify.
//
//   runtime::Store store;
//   source::DirectorySourceOptions options;
//   options.root = "./releases";
//   source::DirectorySource dir(options, store);
//   if (auto st = dir.start(); !st) ...;   // the first full list is in the store now
//   dir.has_synced();                        // for /readyz
//
// - Recursive, *.yaml / *.yml, several documents per file; dot-files and
//   dot-directories (.git) are skipped; symlinks that leave the directory are
//   not followed, symlinked directories are not entered (directory_files.hpp).
// - start() lists everything (Store::replace_all) and then watches: events
//   are batched (debounce, 100 ms by default) and the files they name are read
//   again; new directories are watched and listed; an inotify queue overflow
//   lists everything again. Editors' and git's write-to-temp-then-rename and
//   delete-then-create look like one change after the debounce.
// - Per file, the rules of DirectoryState: a broken file keeps its last good
//   objects and reports its errors; a deleted file deletes its objects; the
//   first file to hold a name keeps it.
// - If the directory itself is removed, the objects stay (an unmounted volume
//   must not delete every Release) and an error is reported until it is back.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/document.hpp"
#include "rewind/model/result.hpp"
#include "rewind/runtime/clock.hpp"
#include "rewind/runtime/store.hpp"
#include "rewind/source/debouncer.hpp"
#include "rewind/source/directory_state.hpp"
#include "rewind/source/inotify.hpp"

namespace rwd::source {

struct DirectorySourceOptions {
  std::filesystem::path root;
  std::string name;  // the source name in store events; empty: "directory:<root>"
  runtime::Duration debounce = std::chrono::milliseconds(100);
  runtime::Duration max_delay = std::chrono::seconds(1);  // flush a busy burst at the latest after
  // How often to look for a root that went away, and whether a root that is
  // a symlink was pointed elsewhere.
  runtime::Duration root_check = std::chrono::seconds(1);
  model::Limits limits;
};

// Called whenever the set of diagnostics changes (also when it becomes
// empty), with all of them: on the source's thread, or in start() for the
// first list.
using DiagnosticsCallback = std::function<void(const std::vector<model::Diagnostic>&)>;

struct DirectorySourceStats {
  std::uint64_t full_scans = 0;  // the initial list included
  std::uint64_t overflows = 0;   // IN_Q_OVERFLOW seen
  std::uint64_t batches = 0;     // debounced batches processed
  std::uint64_t files_read = 0;
  std::size_t watched_dirs = 0;
  std::size_t files = 0;
  std::size_t objects = 0;
};

class DirectorySource {
 public:
  DirectorySource(DirectorySourceOptions options, runtime::Store& store,
                  const runtime::Clock& clock = runtime::SystemClock::instance());
  ~DirectorySource();  // stop()
  DirectorySource(const DirectorySource&) = delete;
  DirectorySource& operator=(const DirectorySource&) = delete;

  // Set before start().
  void on_diagnostics(DiagnosticsCallback callback);

  // Watches the tree, lists it into the store, then follows it on a thread.
  // Fails when the root is not a directory or inotify cannot be set up.
  model::Status start();
  void stop();

  // True once the first full list is in the store.
  [[nodiscard]] bool has_synced() const noexcept { return synced_.load(); }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // Current errors: every broken file's, duplicates, names held by another
  // source, and a root that went away.
  [[nodiscard]] std::vector<model::Diagnostic> diagnostics() const;
  [[nodiscard]] std::vector<FileStatus> files() const;
  [[nodiscard]] DirectorySourceStats stats() const;

  // Lists everything again on the source's thread, soon (e.g. on SIGHUP).
  void request_rescan();

 private:
  // Work gathered from events, done when the debounce is due.
  struct Pending {
    std::set<std::string> files;  // relative paths to read again
    bool symlinks = false;        // read every symlinked file again
    bool rescan = false;          // list everything again
  };

  void run();
  void handle_events(std::vector<InotifyEvent> events);
  void flush();
  void full_scan();
  void read_files(const std::set<std::string>& rels);
  bool sync_watches(const std::vector<std::string>& dirs);  // true: a new watch
  void check_root();
  void root_lost(const std::string& why);
  void apply_changes(const std::vector<Change>& changes);
  void apply_relist();
  void publish_diagnostics();
  [[nodiscard]] std::string label(const std::string& rel) const;
  [[nodiscard]] runtime::Duration poll_timeout() const;
  void wake();

  DirectorySourceOptions options_;
  std::string name_;
  runtime::Store& store_;
  const runtime::Clock& clock_;
  DiagnosticsCallback on_diagnostics_;

  // Owned by the source's thread (and by start() before it runs).
  std::unique_ptr<Inotify> inotify_;
  std::filesystem::path canonical_root_;
  bool root_is_symlink_ = false;
  bool root_missing_ = false;
  runtime::SteadyTime next_root_check_{};
  std::map<int, std::string> watches_;  // wd -> relative directory ("" = root)
  std::set<std::string> symlinks_;      // relative resource files that are symlinks
  std::set<std::string> outside_logged_;
  Pending pending_;
  Debouncer debouncer_;
  std::vector<std::string> last_published_;
  int wake_fd_ = -1;  // eventfd: stop() and request_rescan()
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> rescan_requested_{false};
  std::atomic<bool> synced_{false};
  std::atomic<bool> republish_{false};  // a conflict ended elsewhere
  std::uint64_t store_subscription_ = 0;

  // Read by other threads.
  mutable std::mutex mu_;
  DirectoryState state_;
  std::map<runtime::ObjectRef, model::Diagnostic> conflicts_;  // held by another source
  std::optional<model::Diagnostic> root_error_;
  DirectorySourceStats stats_;
};

}  // namespace rwd::source
