#pragma once
// The file system half of the directory source: list the tree, read one file.
//
// - Resource files are *.yaml / *.yml; dot-files and dot-directories (.git)
//   are skipped.
// - Directories are entered by their real path only: a symlink to a
//   directory is never entered (no loops, no second copy of a subtree).
// - A symlinked file is read when its target lies inside the watched
//   directory (Kubernetes ConfigMap volumes are built of such links), never
//   when it leaves it.

#include <filesystem>
#include <string>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/document.hpp"

namespace rwd::source {

struct TreeScan {
  std::vector<std::string> dirs;   // relative to the root; "" is the root itself
  std::vector<std::string> files;  // relative resource files, sorted
};

// Lists `root` (a real directory). Unreadable subdirectories are left out.
TreeScan scan_tree(const std::filesystem::path& root);

enum class ReadStatus {
  kRead,     // `result` holds the file's parse (or a read error as a diagnostic)
  kMissing,  // not there (any more), a dangling link, or not a file: the file is gone
  kOutside,  // a symlink whose target leaves the root: not followed
};

struct FileRead {
  ReadStatus status = ReadStatus::kMissing;
  model::ParseResult result;
  bool symlink = false;  // the path is a symlink (followed, when kRead)
  std::string detail;    // why kMissing / kOutside, for the log
};

// Reads and parses root/rel. `root` must be canonical. `label` names the file
// in diagnostics. Files over limits.max_file_bytes are refused with an error.
FileRead read_resource_file(const std::filesystem::path& root, const std::string& rel,
                            const std::string& label, const model::Limits& limits);

// True when `path` (canonical) is `root` (canonical) or lies below it.
bool is_within(const std::filesystem::path& root, const std::filesystem::path& path);

}  // namespace rwd::source
