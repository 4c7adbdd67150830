#pragma once
// Durable, atomic file replacement and the reading side of it.
//
// write_file_atomic() writes a temporary file in the target's directory,
// fsyncs it, renames it over the target and fsyncs the directory. A crash at
// any point leaves either the old or the new contents under the target name,
// never a mix; at worst a temporary file is left behind, named
// ".tmp-<pid>-<token>-<seq>", which readers ignore and
// remove_stale_temp_files() cleans.
//
// Every error is a model::Error whose message names the operation, the path
// and the errno text ("No space left on device"). ENOSPC, EDQUOT, EIO and
// other conditions that may pass are transient; EACCES, EPERM, EROFS, EISDIR
// and the like are terminal. When a write fails, the old file is intact.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "rewind/model/result.hpp"

namespace rwd::history {

inline constexpr const char* kTempPrefix = ".tmp-";
inline constexpr unsigned kFileMode = 0640;
inline constexpr unsigned kDirMode = 0750;

model::Status write_file_atomic(const std::filesystem::path& target, std::string_view contents);

// The whole file; an error naming the path when it cannot be read, is not a
// regular file, or is larger than max_bytes. `missing` is set (and an error
// returned) when the file does not exist.
model::Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes,
                                     bool* missing = nullptr);

// Creates the directory and its missing parents (mode kDirMode), fsyncing
// each parent a directory was added to.
model::Status ensure_directory(const std::filesystem::path& dir);

// Unlinks a file (absent is fine) and fsyncs its directory.
model::Status remove_file(const std::filesystem::path& path);

// Renames `path` to "<path>.corrupt-<stamp>" without replacing anything that
// exists ("-2", "-3", ... are appended when needed), fsyncs the directory and
// returns the new path.
model::Result<std::filesystem::path> move_aside(const std::filesystem::path& path,
                                                const std::string& stamp);

// Removes temporary files below `dir` (recursively, at most `depth` levels)
// that this process is not writing and whose writer is gone. Returns how many
// were removed.
std::size_t remove_stale_temp_files(const std::filesystem::path& dir, int depth);

// True for names the store itself creates and readers must skip: temporary
// files, hidden files, quarantined files.
bool is_store_private_name(std::string_view filename);

// An errno as an Error: "<what> <path>: <strerror(err)>".
model::Error io_error(std::string_view what, const std::filesystem::path& path, int err);

}  // namespace rwd::history
