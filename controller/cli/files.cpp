#include "files.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "rewind/source/inotify.hpp"

namespace rwd::cli {
namespace fs = std::filesystem;

namespace {

bool is_resource_file(const fs::path& p) { return source::is_resource_name(p.filename().string()); }

}  // namespace

FileList collect_resource_files(const std::vector<std::string>& paths) {
  FileList out;
  for (const auto& arg : paths) {
    std::error_code ec;
    const fs::path p(arg);
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      out.missing.push_back(arg);
      continue;
    }
    if (!fs::is_directory(st)) {
      out.files.push_back(p);  // named explicitly: taken whatever its extension
      continue;
    }
    std::vector<fs::path> found;
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::path& entry = it->path();
      const std::string name = entry.filename().string();
      if (it->is_directory(ec)) {
        if (!name.empty() && name.front() == '.') it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && is_resource_file(entry)) found.push_back(entry);
    }
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
  }
  return out;
}

std::optional<std::string> read_file(const fs::path& p, std::size_t max_bytes, std::string& error) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) {
    error = "cannot read: " + ec.message();
    return std::nullopt;
  }
  if (size > max_bytes) {
    error = "file is " + std::to_string(size) + " bytes, more than the limit of " +
            std::to_string(max_bytes) + " bytes";
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "cannot open for reading";
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > max_bytes) {  // grew while we looked
    error = "file is larger than the limit of " + std::to_string(max_bytes) + " bytes";
    return std::nullopt;
  }
  return text;
}

model::EnvFileContents read_env_files(const model::ReleaseSpec& spec, const fs::path& base_dir,
                                      std::vector<model::FieldError>& errors) {
  model::EnvFileContents out;
  for (std::size_t i = 0; i < spec.config.env_files.size(); ++i) {
    const std::string& name = spec.config.env_files[i];
    const fs::path resolved = fs::path(name).is_absolute() ? fs::path(name) : base_dir / name;
    std::string error;
    if (auto text = read_file(resolved, model::Limits{}.max_file_bytes, error)) {
      out.emplace(name, std::move(*text));
    } else {
      errors.push_back({"spec.config.envFiles[" + std::to_string(i) + "]",
                        "\"" + name + "\" (" + resolved.lexically_normal().string() + "): " + error,
                        {}});
    }
  }
  return out;
}

std::vector<model::FieldError> check_release_files(const model::ReleaseSpec& spec,
                                                   const fs::path& base_dir) {
  std::vector<model::FieldError> errors;
  (void)read_env_files(spec, base_dir, errors);
  if (spec.migration && spec.migration->driver == model::MigrationDriver::kSqlDir &&
      !spec.migration->directory.empty()) {
    const fs::path dir = fs::path(spec.migration->directory).is_absolute()
                             ? fs::path(spec.migration->directory)
                             : base_dir / spec.migration->directory;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      errors.push_back({"spec.migration.directory",
                        "\"" + spec.migration->directory + "\" (" +
                            dir.lexically_normal().string() + ") is not a directory",
                        {}});
    }
  }
  return errors;
}

}  // namespace rwd::cli
