// rewind plan -f release.yaml: print the plan the controller would run.
// Never changes anything.

#include <chrono>
#include <iostream>

#include <boost/program_options.hpp>

#include "rewind/reconcile/format.hpp"
#include "rewind/reconcile/planner.hpp"

#include "commands.hpp"
#include "files.hpp"
#include "options.hpp"

namespace rwd::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(Usage: rewind plan -f RELEASE.yaml [options]

Prints the plan rewind would run to bring the Release to its desired state,
without running it. The observed state (what runs now) and the revision
history come from files, so a plan can be reviewed anywhere:

  rewind plan -f releases/api.yaml
  rewind plan -f releases/api.yaml --observed observed.yaml --history /var/lib/rewind/history
  rewind plan -f releases/api.yaml --rollback rollbacks/incident-42.yaml -o json

The observed file is a mapping such as
  running: {image: "shop-api:v1.2.3", configHash: "...", migrationRevision: "0005"}
  health: Healthy
  imagesPresent: ["shop-api:v1.2.3"]
Without it, nothing is taken to be running. Without --history the history is
empty. envFiles are read relative to the Release file to hash the config.

Exit status: 0 plan printed, 1 invalid input or no plan possible, 2 usage error.

Options)";

struct Loaded {
  std::vector<model::Object> objects;
  bool ok = false;
};

// Loads every object of a resource file, printing diagnostics to err.
Loaded load_objects(const std::string& path, std::ostream& err) {
  Loaded out;
  std::string error;
  auto text = read_file(path, model::Limits{}.max_file_bytes, error);
  if (!text) {
    err << path << ": " << error << "\n";
    return out;
  }
  model::ParseResult r = model::parse_resources(*text, path);
  for (const auto& d : r.errors) err << d.str() << "\n";
  if (!r.ok()) return out;
  for (auto& o : r.objects) out.objects.push_back(std::move(o.object));
  out.ok = true;
  return out;
}

// One mapping document from a YAML or JSON file, for observed/history files.
std::optional<model::Node> load_single_document(const fs::path& path, std::ostream& err) {
  std::string error;
  auto text = read_file(path, model::Limits{}.max_file_bytes, error);
  if (!text) {
    err << path.string() << ": " << error << "\n";
    return std::nullopt;
  }
  model::LoadedDocuments docs = model::load_yaml(*text);
  for (const auto& e : docs.errors) {
    err << path.string() << ": " << e.message;
    if (e.mark.line > 0) err << " (line " << e.mark.line << ")";
    err << "\n";
  }
  if (!docs.ok()) return std::nullopt;
  if (docs.documents.size() != 1) {
    err << path.string() << ": expected one document, found " << docs.documents.size() << "\n";
    return std::nullopt;
  }
  return std::move(docs.documents.front());
}

void print_field_errors(const std::string& source, const std::vector<model::FieldError>& errors,
                        std::ostream& err) {
  for (const auto& e : errors) err << model::Diagnostic{source, std::nullopt, e}.str() << "\n";
}

// --history names a file, or a directory laid out as <dir>/<namespace>/<name>.json.
std::optional<model::History> load_history(const std::string& arg, const model::ObjectKey& key,
                                           std::ostream& err) {
  fs::path file = arg;
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    file.clear();
    for (const char* ext : {".json", ".yaml", ".yml"}) {
      const fs::path candidate = fs::path(arg) / key.ns / (key.name + ext);
      if (fs::exists(candidate, ec)) {
        file = candidate;
        break;
      }
    }
    if (file.empty()) {
      err << "note: no history for " << key.str() << " in " << arg << "; planning with none\n";
      return model::History{};
    }
  }
  auto node = load_single_document(file, err);
  if (!node) return std::nullopt;
  std::vector<model::FieldError> errors;
  auto h = model::decode_history(*node, errors);
  print_field_errors(file.string(), errors, err);
  return h;
}

}  // namespace

int plan_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description visible(kUsage);
  visible.add_options()("help,h", "show this help")(
      "file,f", po::value<std::string>()->value_name("FILE"), "the Release file (required)")(
      "name", po::value<std::string>()->value_name("NAME"),
      "which Release, when FILE holds several")(
      "observed", po::value<std::string>()->value_name("FILE"), "what runs now (YAML or JSON)")(
      "history", po::value<std::string>()->value_name("PATH"),
      "history file, or directory <PATH>/<namespace>/<name>.json")(
      "rollback", po::value<std::string>()->value_name("FILE"), "a Rollback to plan")(
      "now", po::value<std::string>()->value_name("TIME"),
      "plan as of this RFC 3339 time (default: the current time)")(
      "output,o", po::value<std::string>()->default_value("table")->value_name("FORMAT"),
      "table or json");
  po::variables_map vm;
  if (!parse_options(args, visible, {}, vm, "plan", err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  if (vm.count("file") == 0U) {
    err << "rewind plan: -f FILE is required (see rewind plan --help)\n";
    return kExitUsage;
  }
  const std::string output = vm["output"].as<std::string>();
  if (output != "table" && output != "json") {
    err << "rewind plan: --output \"" << output << "\" is not one of table, json\n";
    return kExitUsage;
  }
  model::Timestamp now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  if (vm.count("now") != 0U) {
    auto t = model::parse_timestamp(vm["now"].as<std::string>());
    if (!t) {
      err << "rewind plan: --now \"" << vm["now"].as<std::string>()
          << "\" is not an RFC 3339 time (example: 2026-11-21T07:38:26Z)\n";
      return kExitUsage;
    }
    now = *t;
  }

  // The Release.
  const std::string file = vm["file"].as<std::string>();
  Loaded loaded = load_objects(file, err);
  if (!loaded.ok) return kExitInvalid;
  std::vector<model::Release> releases;
  for (auto& o : loaded.objects) {
    if (auto* r = std::get_if<model::Release>(&o)) releases.push_back(std::move(*r));
  }
  if (vm.count("name") != 0U) {
    const std::string name = vm["name"].as<std::string>();
    std::erase_if(releases, [&](const model::Release& r) { return r.metadata.name != name; });
  }
  if (releases.size() != 1) {
    err << file << ": " << (releases.empty() ? "no Release" : "several Releases")
        << (vm.count("name") != 0U ? " with that name" : "")
        << (releases.size() > 1 ? "; choose one with --name" : "") << "\n";
    return kExitInvalid;
  }
  reconcile::Desired desired;
  desired.release = std::move(releases.front());
  std::vector<model::FieldError> file_errors;
  const auto env_files =
      read_env_files(desired.release.spec, fs::path(file).parent_path(), file_errors);
  print_field_errors(file, file_errors, err);
  if (!file_errors.empty()) return kExitInvalid;
  desired.revision = model::revision_of(desired.release.spec, env_files);

  // The Rollback, when asked for.
  if (vm.count("rollback") != 0U) {
    const std::string rb_file = vm["rollback"].as<std::string>();
    Loaded rbs = load_objects(rb_file, err);
    if (!rbs.ok) return kExitInvalid;
    for (auto& o : rbs.objects) {
      auto* rb = std::get_if<model::Rollback>(&o);
      if (rb != nullptr && rb->spec.release_name == desired.release.metadata.name &&
          rb->metadata.ns == desired.release.metadata.ns) {
        desired.rollback = std::move(*rb);
        break;
      }
    }
    if (!desired.rollback) {
      err << rb_file << ": no Rollback for Release " << desired.release.metadata.key().str()
          << "\n";
      return kExitInvalid;
    }
  }

  // What runs now.
  reconcile::Observed observed;
  if (vm.count("observed") != 0U) {
    const std::string obs_file = vm["observed"].as<std::string>();
    auto node = load_single_document(obs_file, err);
    if (!node) return kExitInvalid;
    std::vector<model::FieldError> errors;
    auto o = reconcile::decode_observed(*node, errors);
    print_field_errors(obs_file, errors, err);
    if (!o) return kExitInvalid;
    observed = std::move(*o);
  }

  model::History history;
  if (vm.count("history") != 0U) {
    auto h = load_history(vm["history"].as<std::string>(), desired.release.metadata.key(), err);
    if (!h) return kExitInvalid;
    history = std::move(*h);
  }

  const reconcile::Decision decision = reconcile::plan(desired, observed, history, now);
  if (output == "json") {
    out << reconcile::to_json(decision).dump(2) << "\n";
  } else {
    out << reconcile::format_plan(decision);
  }
  return decision.error ? kExitInvalid : kExitOk;
}

}  // namespace rwd::cli
