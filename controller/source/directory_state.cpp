#include "rewind/source/directory_state.hpp"

#include <algorithm>
#include <utility>

namespace rwd::source {

const char* to_string(ChangeType type) {
  switch (type) {
    case ChangeType::kAdded:
      return "added";
    case ChangeType::kModified:
      return "modified";
    case ChangeType::kDeleted:
      return "deleted";
  }
  return "unknown";
}

namespace {

std::string where(const FileObject& o) {
  return o.document ? o.file + "[" + std::to_string(*o.document) + "]" : o.file;
}

model::Diagnostic duplicate_of(const FileObject& dup, const FileObject& holder) {
  const model::ObjectMeta& m = model::metadata_of(dup.object);
  return model::Diagnostic{
      dup.file, dup.document,
      model::FieldError{"metadata.name",
                        std::string(model::kind_of(dup.object)) + " \"" + m.name +
                            "\" in namespace \"" + m.ns + "\" is already defined in " +
                            where(holder),
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
  record(file, std::move(result));
  return recompute();
}

std::vector<Change> DirectoryState::remove_file(const std::string& file) {
  if (files_.erase(file) == 0) return {};
  return recompute();
}

std::vector<Change> DirectoryState::update(
    std::map<std::string, std::optional<model::ParseResult>> files) {
  for (auto& [file, result] : files) {
    if (result) {
      record(file, std::move(*result));
    } else {
      files_.erase(file);
    }
  }
  return recompute();
}

std::vector<Change> DirectoryState::reset(std::map<std::string, model::ParseResult> files) {
  for (auto it = files_.begin(); it != files_.end();) {
    it = files.count(it->first) == 0 ? files_.erase(it) : std::next(it);
  }
  for (auto& [file, result] : files) record(file, std::move(result));
  return recompute();
}

std::vector<Change> DirectoryState::recompute() {
  // Every object every file offers, in path order, then document order.
  std::map<runtime::ObjectRef, std::vector<FileObject>> candidates;
  for (const auto& [file, entry] : files_) {
    for (const model::ParsedObject& p : entry.good) {
      candidates[runtime::ref_of(p.object)].push_back(FileObject{
          p.object, file, entry.multi_document ? std::optional(p.document) : std::nullopt});
    }
  }

  std::map<runtime::ObjectRef, FileObject> next;
  std::map<runtime::ObjectRef, std::string> owners;
  std::vector<model::Diagnostic> duplicates;
  for (auto& [ref, offered] : candidates) {
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
      if (i != pick) duplicates.push_back(duplicate_of(offered[i], offered[pick]));
    }
    owners.emplace(ref, offered[pick].file);
    next.emplace(ref, std::move(offered[pick]));
  }
  std::stable_sort(duplicates.begin(), duplicates.end(),
                   [](const model::Diagnostic& a, const model::Diagnostic& b) {
                     return a.source < b.source;
                   });

  std::vector<Change> changes;
  auto old_it = objects_.begin();
  auto new_it = next.begin();
  while (old_it != objects_.end() || new_it != next.end()) {
    if (new_it == next.end() || (old_it != objects_.end() && old_it->first < new_it->first)) {
      changes.push_back({ChangeType::kDeleted, old_it->first, old_it->second});
      ++old_it;
    } else if (old_it == objects_.end() || new_it->first < old_it->first) {
      changes.push_back({ChangeType::kAdded, new_it->first, new_it->second});
      ++new_it;
    } else {
      if (!(old_it->second.object == new_it->second.object) ||
          old_it->second.file != new_it->second.file) {
        changes.push_back({ChangeType::kModified, new_it->first, new_it->second});
      }
      ++old_it;
      ++new_it;
    }
  }
  objects_ = std::move(next);
  owners_ = std::move(owners);
  duplicates_ = std::move(duplicates);
  return changes;
}

std::vector<model::Diagnostic> DirectoryState::diagnostics() const {
  std::vector<model::Diagnostic> out;
  for (const auto& [file, entry] : files_) {
    out.insert(out.end(), entry.errors.begin(), entry.errors.end());
  }
  out.insert(out.end(), duplicates_.begin(), duplicates_.end());
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
