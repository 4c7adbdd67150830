// rewind validate PATH...: check resource files and report every error.

#include <iostream>

#include <boost/program_options.hpp>

#include "commands.hpp"
#include "files.hpp"
#include "options.hpp"

namespace rwd::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = R"(Usage: rewind validate [options] PATH...

Checks Release and Rollback files without changing anything. PATH is a file
or a directory; directories are searched recursively for *.yaml and *.yml,
skipping dot-directories such as .git. Every error of every file is listed
with its file, document index (in multi-document files), field path and
value. Files that envFiles and a sql-dir migration directory name must exist,
relative to the file that names them.

Exit status: 0 all valid, 1 errors found, 2 usage error or unreadable path.

Options)";

}  // namespace

int validate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description visible(kUsage);
  visible.add_options()("help,h", "show this help")("quiet,q", "print only errors, no summary")(
      "skip-file-checks", "do not check that envFiles and migration directories exist");
  po::options_description all;
  all.add(visible).add_options()("path", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("path", -1);

  po::variables_map vm;
  if (!parse_options(args, all, pos, vm, "validate", err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  if (vm.count("path") == 0U) {
    err << "rewind validate: no PATH given (see rewind validate --help)\n";
    return kExitUsage;
  }
  const bool quiet = vm.count("quiet") != 0U;
  const bool file_checks = vm.count("skip-file-checks") == 0U;

  const FileList list = collect_resource_files(vm["path"].as<std::vector<std::string>>());
  for (const auto& m : list.missing) err << m << ": no such file or directory\n";

  std::vector<model::Diagnostic> diagnostics;
  std::vector<model::ParseResult> results;
  std::vector<std::string> sources;
  results.reserve(list.files.size());
  std::size_t objects = 0;
  for (const auto& file : list.files) {
    const std::string source = file.string();
    std::string error;
    auto text = read_file(file, model::Limits{}.max_file_bytes, error);
    if (!text) {
      diagnostics.push_back({source, std::nullopt, {"", error, {}}});
      continue;
    }
    model::ParseResult r = model::parse_resources(*text, source);
    for (auto& d : r.errors) diagnostics.push_back(std::move(d));
    r.errors.clear();
    if (file_checks) {
      const bool multi = r.documents > 1;
      for (const auto& obj : r.objects) {
        if (const auto* rel = std::get_if<model::Release>(&obj.object)) {
          for (auto& e : check_release_files(rel->spec, file.parent_path())) {
            diagnostics.push_back(
                {source, multi ? std::optional<std::size_t>(obj.document) : std::nullopt, e});
          }
        }
      }
    }
    objects += r.objects.size();
    results.push_back(std::move(r));
    sources.push_back(source);
  }

  std::vector<model::SourcedObject> sourced;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const bool multi = results[i].documents > 1;
    for (const auto& obj : results[i].objects) {
      sourced.push_back({&obj.object, sources[i],
                         multi ? std::optional<std::size_t>(obj.document) : std::nullopt});
    }
  }
  for (auto& d : model::find_duplicates(sourced)) diagnostics.push_back(std::move(d));

  for (const auto& d : diagnostics) err << d.str() << "\n";
  const bool ok = diagnostics.empty() && list.missing.empty();
  if (!quiet) {
    out << list.files.size() << (list.files.size() == 1 ? " file, " : " files, ") << objects
        << (objects == 1 ? " valid object" : " valid objects");
    if (!ok) {
      out << ", " << diagnostics.size() << (diagnostics.size() == 1 ? " error" : " errors");
    }
    out << "\n";
  }
  if (!list.missing.empty() && diagnostics.empty()) return kExitUsage;
  return ok ? kExitOk : kExitInvalid;
}

}  // namespace rwd::cli
