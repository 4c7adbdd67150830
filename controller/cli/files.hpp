#pragma once
// Internal: reading resource files from disk for the CLI (and, later, the
// directory source).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/revision.hpp"

namespace rwd::cli {

// Every *.yaml / *.yml below each path (a path may also name a file),
// sorted, skipping dot-directories such as .git and dot-files. Paths that do
// not exist are returned in `missing`.
struct FileList {
  std::vector<std::filesystem::path> files;
  std::vector<std::string> missing;
};
FileList collect_resource_files(const std::vector<std::string>& paths);

// Reads a whole file, refusing one larger than max_bytes. nullopt with a
// message in `error` when it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& p, std::size_t max_bytes,
                                     std::string& error);

// Contents of spec.config.envFiles, resolved against base_dir. Files that
// cannot be read are reported as FieldErrors with their path in the spec and
// left out of the map (so they hash as missing).
model::EnvFileContents read_env_files(const model::ReleaseSpec& spec,
                                      const std::filesystem::path& base_dir,
                                      std::vector<model::FieldError>& errors);

// Checks a Release's references to the file system (envFiles, the sql-dir
// migration directory) relative to base_dir.
std::vector<model::FieldError> check_release_files(const model::ReleaseSpec& spec,
                                                   const std::filesystem::path& base_dir);

}  // namespace rwd::cli
