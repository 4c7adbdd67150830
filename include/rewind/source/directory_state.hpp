#pragma once
// The pure half of the directory source: given what each file parsed to,
// which objects exist, which diagnostics to report, and what changed since
// the last state. No file system here; the I/O half feeds it.
//
// Rules:
// - A file that parses cleanly provides all its objects.
// - A file with any error (unreadable, too large, bad YAML, an invalid
//   document, one name twice in the file) keeps the objects of its last clean
//   read, unchanged, and reports its errors. A broken file never deletes or
//   changes anything. A file broken from its first read provides nothing.
// - A removed file removes its objects.
// - The same kind + namespace/name in two files: the file that holds the
//   name keeps it (on a first read, the path that sorts first), the other is
//   reported as a duplicate and takes over only when the holder lets go.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/runtime/object_ref.hpp"

namespace rwd::source {

// An object and where it was read.
struct FileObject {
  model::Object object;
  std::string file;
  std::optional<std::size_t> document;  // set for multi-document files
};

enum class ChangeType { kAdded, kModified, kDeleted };
const char* to_string(ChangeType type);

struct Change {
  ChangeType type = ChangeType::kAdded;
  runtime::ObjectRef ref;
  FileObject object;  // the new object; for kDeleted, the one that went
};

// What one file looks like now.
struct FileStatus {
  std::string file;
  std::vector<model::Diagnostic> errors;  // of the latest read; empty when it was clean
  std::size_t objects = 0;                // objects the file provides (kept ones included)
  bool stale = false;                     // the latest read failed and earlier objects are kept
};

class DirectoryState {
 public:
  // A file was read: its whole ParseResult (read failures are a result with
  // an error and no objects). Returns the object changes, sorted by ref.
  std::vector<Change> set_file(const std::string& file, model::ParseResult result);
  // A file is gone.
  std::vector<Change> remove_file(const std::string& file);
  // Several files at once (a debounced batch): a value is the file's new
  // parse, nullopt removes the file. One recomputation, so a name that moves
  // from one file to another in the batch is one modification, never a
  // deletion followed by an addition.
  std::vector<Change> update(std::map<std::string, std::optional<model::ParseResult>> files);
  // A full scan: exactly these files exist now. Files read before keep their
  // last clean objects when their new read has errors.
  std::vector<Change> reset(std::map<std::string, model::ParseResult> files);

  // Current objects, by ref.
  [[nodiscard]] const std::map<runtime::ObjectRef, FileObject>& objects() const noexcept {
    return objects_;
  }
  // Errors of every file, then duplicates, each group by file.
  [[nodiscard]] std::vector<model::Diagnostic> diagnostics() const;
  [[nodiscard]] std::vector<FileStatus> files() const;
  [[nodiscard]] bool has_file(const std::string& file) const { return files_.count(file) != 0; }

 private:
  struct FileEntry {
    std::vector<model::ParsedObject> good;  // from the last clean read
    bool multi_document = false;            // of the last clean read
    std::vector<model::Diagnostic> errors;  // of the latest read
  };

  void record(const std::string& file, model::ParseResult result);
  // The refs a file offers leave (forget) or join (offer) offers_; each is
  // added to `affected`.
  void forget_offers(const std::string& file, std::set<runtime::ObjectRef>& affected);
  void offer(const std::string& file, std::set<runtime::ObjectRef>& affected);
  // Decides again who holds each affected ref: only those, so that a change
  // to one file of thousands costs as much as one file.
  std::vector<Change> recompute(const std::set<runtime::ObjectRef>& affected);

  std::map<std::string, FileEntry> files_;
  std::map<runtime::ObjectRef, std::set<std::string>> offers_;  // ref -> files offering it
  std::map<runtime::ObjectRef, FileObject> objects_;
  std::map<runtime::ObjectRef, std::string> owners_;  // ref -> file holding it
  std::map<runtime::ObjectRef, std::vector<model::Diagnostic>> duplicates_;
};

}  // namespace rwd::source
