// Reading migration.directory from disk; parsing is in sql_dir.cpp.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rewind/postgres/sql_dir.hpp"

namespace rwd::postgres {

MigrationResult<std::map<std::string, std::string>> read_migration_files(
    const std::string& directory) {
  namespace fs = std::filesystem;
  const std::string origin = "migration.directory " + directory;
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) return MigrationError::invalid(origin + ": cannot read: " + ec.message());
  std::map<std::string, std::string> files;
  for (const auto& entry : it) {
    if (!entry.is_regular_file(ec)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) {
      return MigrationError::invalid(origin + ": cannot read " + entry.path().filename().string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    files.emplace(entry.path().filename().string(), text.str());
  }
  return files;
}

MigrationResult<MigrationSet> read_migration_directory(const std::string& directory) {
  auto files = read_migration_files(directory);
  if (!files) return files.error();
  return parse_migration_files(*files, "migration.directory " + directory);
}

}  // namespace rwd::postgres
