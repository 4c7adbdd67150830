#pragma once
// File operations of the nginx router: atomic replacement in one directory.

#include <filesystem>
#include <optional>
#include <string>

#include "rewind/model/result.hpp"

namespace rwd::router::detail {

// The whole file; nullopt when it does not exist; an error when it cannot be read.
model::Result<std::optional<std::string>> read_file(const std::filesystem::path& path);

// Temp file in the same directory (".<name>.tmp-<random>", which an
// `include <dir>/*.conf` never matches), fsync, rename over `path`, fsync of
// the directory.
model::Status write_file_atomically(const std::filesystem::path& path, const std::string& content);

// unlink + fsync of the directory. A missing file is not an error.
model::Status remove_file(const std::filesystem::path& path);

// The directory exists, is a directory, and a file can be created in it.
model::Status check_writable_dir(const std::filesystem::path& dir, const std::string& option);

}  // namespace rwd::router::detail
