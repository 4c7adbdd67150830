#include "rewind/source/directory_state.hpp"

#include <algorithm>
#include <utility>

namespace rwd::source {

const char* to_string(ChangeType type) {
  switch (type) {
    case ChangeType::kAdded: return "added";
    case ChangeType::kModified: return "modified";
    case ChangeType::kDeleted: return "deleted";
  }
  return "unknown";
}

namespace {

std::string where(const FileObject& o) {
  return o.document ? o.file + "[" + std::to_string(*o.document) + "]" : o.file;
}

model::Diagnostic duplicate_of(const FileObject& dup, const FileObject& holder) {
  const model::ObjectMeta& m = model::metadata_of(dup.object);
  return model::Diagnostic{dup.file, dup.document,
                           model::FieldError{"metadata.name",
                                             std::string(model::kind_of(dup.object)) + " \"" +
                                                 m.name + "\" in namespace \"" + m.ns +
                                                 "\" is already defined in " + where(holder),
                                             {}}};
}

}  // namespace

void DirectoryState::record(const std::string& file, model::ParseResult result) {
  FileEntry& entry = files_[file];
  if (!result.ok()) {
    entry.errors = std::move(result.errors);
    return;
  }
  const bool multi = result.documents > 1;
  // One name twice in one file makes the file ambiguous: an error of the file.
  std::vector<model::SourcedObject> sourced;
  sourced.reserve(result.objects.size());
  for (const model::ParsedObject& p : result.objects) {
    sourced.push_back({&p.object, file, multi ? std::optional(p.document) : std::nullopt});
  }
  std::vector<model::Diagnostic> dups = model::find_duplicates(sourced);
  if (!dups.empty()) {
    entry.errors = std::move(dups);
    return;
  }
  entry.good = std::move(result.objects);
  entry.multi_document = multi;
  entry.errors.clear();
}

std::vector<Change> DirectoryState::set_file(const std::string& file, model::ParseResult result) {
  std::map<std::string, std::optional<model::ParseResult>> one;
  one.emplace(file, std::move(result));
  return update(std::move(one));
}

std::vector<Change> DirectoryState::remove_file(const std::string& file) {
  if (files_.count(file) == 0) return {};
  std::map<std::string, std::optional<model::ParseResult>> one;
  one.emplace(file, std::nullopt);
  return update(std::move(one));
}

std::vector<Change> DirectoryState::update(
    std::map<std::string, std::optional<model::ParseResult>> files) {
  std::set<runtime::ObjectRef> affected;
  for (auto& [file, result] : files) {
    forget_offers(file, affected);
    if (result) {
      record(file, std::move(*result));
    } else {
      files_.erase(file);
    }
    offer(file, affected);
  }
  return recompute(affected);
}

std::vector<Change> DirectoryState::reset(std::map<std::string, model::ParseResult> files) {
  std::set<runtime::ObjectRef> affected;
  for (auto it = files_.begin(); it != files_.end();) {
    if (files.count(it->first) != 0) {
      ++it;
      continue;
    }
    forget_offers(it->first, affected);
    it = files_.erase(it);
  }
  for (auto& [file, result] : files) {
    forget_offers(file, affected);
    record(file, std::move(result));
    offer(file, affected);
  }
  return recompute(affected);
}

void DirectoryState::forget_offers(const std::string& file,
                                   std::set<runtime::ObjectRef>& affected) {
  const auto entry = files_.find(file);
  if (entry == files_.end()) return;
  for (const model::ParsedObject& p : entry->second.good) {
    const runtime::ObjectRef ref = runtime::ref_of(p.object);
    affected.insert(ref);
    if (auto it = offers_.find(ref); it != offers_.end()) {
      it->second.erase(file);
      if (it->second.empty()) offers_.erase(it);
    }
  }
}

void DirectoryState::offer(const std::string& file, std::set<runtime::ObjectRef>& affected) {
  const auto entry = files_.find(file);
  if (entry == files_.end()) return;
  for (const model::ParsedObject& p : entry->second.good) {
    const runtime::ObjectRef ref = runtime::ref_of(p.object);
    affected.insert(ref);
    offers_[ref].insert(file);
  }
}

std::vector<Change> DirectoryState::recompute(const std::set<runtime::ObjectRef>& affected) {
  std::vector<Change> changes;
  for (const runtime::ObjectRef& ref : affected) {
    duplicates_.erase(ref);
    const auto old = objects_.find(ref);
    const auto offers = offers_.find(ref);
    if (offers == offers_.end()) {
      if (old != objects_.end()) {
        changes.push_back({ChangeType::kDeleted, ref, old->second});
        objects_.erase(old);
      }
      owners_.erase(ref);
      continue;
    }
    // Every file that offers it, in path order (a file offers a name once).
    std::vector<FileObject> offered;
    for (const std::string& file : offers->second) {
      const FileEntry& entry = files_.at(file);
      for (const model::ParsedObject& p : entry.good) {
        if (runtime::ref_of(p.object) == ref) {
          offered.push_back(FileObject{
              p.object, file, entry.multi_document ? std::optional(p.document) : std::nullopt});
        }
      }
    }
    std::size_t pick = 0;
    if (auto held = owners_.find(ref); held != owners_.end()) {
      for (std::size_t i = 0; i < offered.size(); ++i) {
        if (offered[i].file == held->second) {
          pick = i;
          break;
        }
      }
    }
    for (std::size_t i = 0; i < offered.size(); ++i) {
      if (i != pick) duplicates_[ref].push_back(duplicate_of(offered[i], offered[pick]));
    }
    owners_[ref] = offered[pick].file;
    if (old == objects_.end()) {
      changes.push_back({ChangeType::kAdded, ref, offered[pick]});
      objects_.emplace(ref, std::move(offered[pick]));
    } else {
      if (!(old->second.object == offered[pick].object) || old->second.file != offered[pick].file) {
        changes.push_back({ChangeType::kModified, ref, offered[pick]});
      }
      old->second = std::move(offered[pick]);
    }
  }
  return changes;
}

std::vector<model::Diagnostic> DirectoryState::diagnostics() const {
  std::vector<model::Diagnostic> out;
  for (const auto& [file, entry] : files_) {
    out.insert(out.end(), entry.errors.begin(), entry.errors.end());
  }
  // Duplicates by file, then by ref.
  std::vector<model::Diagnostic> duplicates;
  for (const auto& [ref, list] : duplicates_) {
    duplicates.insert(duplicates.end(), list.begin(), list.end());
  }
  std::stable_sort(
      duplicates.begin(), duplicates.end(),
      [](const model::Diagnostic& a, const model::Diagnostic& b) { return a.source < b.source; });
  out.insert(out.end(), duplicates.begin(), duplicates.end());
  return out;
}

std::vector<FileStatus> DirectoryState::files() const {
  std::vector<FileStatus> out;
  out.reserve(files_.size());
  for (const auto& [file, entry] : files_) {
    out.push_back(FileStatus{file, entry.errors, entry.good.size(),
                             !entry.errors.empty() && !entry.good.empty()});
  }
  return out;
}

}  // namespace rwd::source
