// DirectorySource: start/stop, reading files into the DirectoryState, and
// handing the result to the store. The event loop is in
// directory_source_loop.cpp.

#include "rewind/source/directory_source.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>

#include "rewind/source/directory_files.hpp"

namespace rwd::source {
namespace fs = std::filesystem;

DirectorySource::DirectorySource(DirectorySourceOptions options, runtime::Store& store,
                                 const runtime::Clock& clock)
    : options_(std::move(options)),
      name_(options_.name.empty() ? "directory:" + options_.root.string() : options_.name),
      store_(store),
      clock_(clock),
      debouncer_(options_.debounce, options_.max_delay) {}

DirectorySource::~DirectorySource() {
  stop();
  if (store_subscription_ != 0) store_.unsubscribe(store_subscription_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void DirectorySource::on_diagnostics(DiagnosticsCallback callback) {
  on_diagnostics_ = std::move(callback);
}

model::Status DirectorySource::start() {
  if (thread_.joinable()) return model::Error::terminal(name_ + ": already started");
  std::error_code ec;
  canonical_root_ = fs::canonical(options_.root, ec);
  if (ec || !fs::is_directory(canonical_root_, ec)) {
    return model::Error::terminal(options_.root.string() + ": not a directory" +
                                  (ec ? " (" + ec.message() + ")" : std::string()));
  }
  root_is_symlink_ = fs::is_symlink(fs::symlink_status(options_.root, ec));
  auto inotify = Inotify::open();
  if (!inotify.ok()) return inotify.error();
  inotify_ = std::make_unique<Inotify>(std::move(inotify).value());
  if (wake_fd_ < 0) wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return model::Error::terminal(name_ + ": eventfd failed");

  if (store_subscription_ == 0) {
    // A name this source waited for (held by another source) may become ours
    // through the other source's deletion: that conflict is over.
    store_subscription_ = store_.subscribe([this](const runtime::Event& e) {
      if (e.source != name_ || e.type == runtime::EventType::kDeleted) return;
      std::lock_guard lock(mu_);
      if (conflicts_.erase(e.ref) != 0) {
        republish_ = true;
        wake();
      }
    });
  }
  stopping_ = false;
  full_scan();
  if (root_missing_) return model::Error::terminal(options_.root.string() + ": cannot watch");
  const DirectorySourceStats listed = stats();
  spdlog::info("{}: watching {} directories, {} files, {} objects", name_, listed.watched_dirs,
               listed.files, listed.objects);
  synced_ = true;
  next_root_check_ = clock_.steady_now() + options_.root_check;
  thread_ = std::thread([this] { run(); });
  return {};
}

void DirectorySource::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
}

void DirectorySource::request_rescan() {
  rescan_requested_ = true;
  wake();
}

void DirectorySource::wake() {
  if (wake_fd_ < 0) return;
  const std::uint64_t one = 1;
  const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  (void)n;  // a counter at its maximum still wakes the loop
}

std::string DirectorySource::label(const std::string& rel) const {
  return rel.empty() ? options_.root.string() : (options_.root / rel).string();
}

bool DirectorySource::sync_watches(const std::vector<std::string>& dirs) {
  std::map<int, std::string> next;
  bool added = false;
  for (const std::string& rel : dirs) {
    const fs::path path = rel.empty() ? canonical_root_ : canonical_root_ / rel;
    auto wd = inotify_->add_watch(path.string(), directory_watch_mask());
    if (!wd.ok()) {
      if (rel.empty()) root_lost("cannot be watched: " + wd.error().message);
      if (wd.error().kind != model::ErrorKind::kTransient) {
        spdlog::warn("{}: {}", name_, wd.error().message);
      }
      continue;
    }
    if (watches_.count(*wd) == 0) added = true;
    next[*wd] = rel;  // a directory renamed inside the tree keeps its wd
  }
  for (const auto& [wd, rel] : watches_) {
    if (next.count(wd) == 0) inotify_->remove_watch(wd);
  }
  watches_ = std::move(next);
  return added;
}

void DirectorySource::full_scan() {
  root_missing_ = false;
  // Watch first, then list again: a file created in a directory before its
  // watch existed is in the second listing; anything later raises an event.
  TreeScan scan = scan_tree(canonical_root_);
  for (int round = 0; sync_watches(scan.dirs) && round < 16 && !root_missing_; ++round) {
    scan = scan_tree(canonical_root_);
  }
  if (root_missing_) return;

  std::map<std::string, model::ParseResult> files;
  symlinks_.clear();
  for (const std::string& rel : scan.files) {
    FileRead read = read_resource_file(canonical_root_, rel, label(rel), options_.limits);
    if (read.symlink) symlinks_.insert(rel);
    if (read.status == ReadStatus::kOutside && outside_logged_.insert(rel).second) {
      spdlog::warn("{}: {}: {}; not followed", name_, label(rel), read.detail);
    }
    if (read.status == ReadStatus::kRead) files.emplace(label(rel), std::move(read.result));
  }
  {
    std::lock_guard lock(mu_);
    (void)state_.reset(std::move(files));
    root_error_.reset();
    ++stats_.full_scans;
    stats_.files_read += scan.files.size();
    stats_.watched_dirs = watches_.size();
  }
  apply_relist();
  publish_diagnostics();
}

void DirectorySource::read_files(const std::set<std::string>& rels) {
  std::map<std::string, std::optional<model::ParseResult>> batch;
  for (const std::string& rel : rels) {
    FileRead read = read_resource_file(canonical_root_, rel, label(rel), options_.limits);
    if (read.symlink) {
      symlinks_.insert(rel);
    } else {
      symlinks_.erase(rel);
    }
    switch (read.status) {
      case ReadStatus::kRead: batch.emplace(label(rel), std::move(read.result)); break;
      case ReadStatus::kOutside:
        if (outside_logged_.insert(rel).second) {
          spdlog::warn("{}: {}: {}; not followed", name_, label(rel), read.detail);
        }
        batch.emplace(label(rel), std::nullopt);
        break;
      case ReadStatus::kMissing:
        symlinks_.erase(rel);
        batch.emplace(label(rel), std::nullopt);
        break;
    }
  }
  std::vector<Change> changes;
  {
    std::lock_guard lock(mu_);
    changes = state_.update(std::move(batch));
    stats_.files_read += rels.size();
  }
  apply_changes(changes);
  publish_diagnostics();
}

namespace {

model::Diagnostic conflict_diagnostic(const FileObject& o, const runtime::Conflict& c) {
  return model::Diagnostic{o.file, o.document, {"metadata.name", c.message(), {}}};
}

}  // namespace

void DirectorySource::apply_changes(const std::vector<Change>& changes) {
  for (const Change& change : changes) {
    spdlog::info("{}: {} {} ({})", name_, to_string(change.type), change.ref.str(),
                 change.object.file);
    if (change.type == ChangeType::kDeleted) {
      (void)store_.apply(runtime::Event::deletion(name_, change.ref));
      std::lock_guard lock(mu_);
      conflicts_.erase(change.ref);
      continue;
    }
    auto result =
        store_.apply(runtime::Event::upsert(name_, change.object.object, change.object.file));
    std::lock_guard lock(mu_);
    if (result.conflict) {
      conflicts_.insert_or_assign(change.ref, conflict_diagnostic(change.object, *result.conflict));
    } else {
      conflicts_.erase(change.ref);
    }
  }
}

void DirectorySource::apply_relist() {
  std::vector<runtime::ReplaceItem> items;
  std::map<runtime::ObjectRef, FileObject> objects;
  {
    std::lock_guard lock(mu_);
    objects = state_.objects();
  }
  items.reserve(objects.size());
  for (const auto& [ref, o] : objects) items.push_back({o.object, o.file});
  const runtime::ReplaceResult result = store_.replace_all(name_, std::move(items));
  for (const runtime::Event& e : result.events) {
    spdlog::info("{}: {} {} ({})", name_, runtime::to_string(e.type), e.ref.str(), e.origin);
  }
  std::lock_guard lock(mu_);
  conflicts_.clear();
  for (const runtime::Conflict& c : result.conflicts) {
    conflicts_.emplace(c.ref, conflict_diagnostic(objects.at(c.ref), c));
  }
}

std::vector<model::Diagnostic> DirectorySource::diagnostics() const {
  std::lock_guard lock(mu_);
  std::vector<model::Diagnostic> out;
  if (root_error_) out.push_back(*root_error_);
  for (model::Diagnostic& d : state_.diagnostics()) out.push_back(std::move(d));
  for (const auto& [ref, d] : conflicts_) out.push_back(d);
  return out;
}

std::vector<FileStatus> DirectorySource::files() const {
  std::lock_guard lock(mu_);
  return state_.files();
}

DirectorySourceStats DirectorySource::stats() const {
  std::lock_guard lock(mu_);
  DirectorySourceStats s = stats_;
  s.files = state_.files().size();
  s.objects = state_.objects().size();
  return s;
}

void DirectorySource::publish_diagnostics() {
  const std::vector<model::Diagnostic> now = diagnostics();
  std::vector<std::string> lines;
  lines.reserve(now.size());
  for (const model::Diagnostic& d : now) lines.push_back(d.str());
  if (lines == last_published_) return;
  for (const std::string& line : lines) {
    if (std::find(last_published_.begin(), last_published_.end(), line) == last_published_.end()) {
      spdlog::warn("{}: {}", name_, line);
    }
  }
  if (lines.empty()) spdlog::info("{}: no errors", name_);
  last_published_ = std::move(lines);
  if (on_diagnostics_) on_diagnostics_(now);
}

}  // namespace rwd::source
