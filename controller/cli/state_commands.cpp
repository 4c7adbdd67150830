// rewind status [NAME] and rewind history NAME: read the state directory
// that `rewind watch` writes. Read only.

#include <boost/program_options.hpp>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "options.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/history/layout.hpp"
#include "rewind/model/codec.hpp"

namespace rwd::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kStatusUsage = R"(Usage: rewind status [NAME] [options]

Shows the Releases rewind manages, from the state directory that
`rewind watch` writes (nothing is changed). Without NAME: one line per
Release. With NAME: its revisions, conditions and last rollback.

Exit status: 0 shown, 1 no such Release or unreadable state, 2 usage error.

Options)";

constexpr const char* kHistoryUsage = R"(Usage: rewind history NAME [options]

Lists the revisions of a Release, oldest first: number, image, config hash,
schema revision, how it ended and when. Read from the state directory that
`rewind watch` writes (nothing is changed).

Exit status: 0 shown, 1 no such Release or unreadable state, 2 usage error.

Options)";

void add_common(po::options_description& o) {
  o.add_options()("help,h", "show this help")(
      "namespace,n", po::value<std::string>()->default_value("default")->value_name("NS"),
      "namespace of NAME")(
      "state-dir", po::value<std::string>()->default_value(history::kDefaultStateDir)->value_name("DIR"),
      "rewind's state directory")(
      "output,o", po::value<std::string>()->default_value("table")->value_name("FORMAT"),
      "table or json");
}

std::string opt(const std::optional<model::RevisionNumber>& n) {
  return n ? std::to_string(n->value()) : "-";
}

std::string ts(const std::optional<model::Timestamp>& t) {
  return t ? model::format_timestamp(*t) : "-";
}

// Checks --output and the state directory; prints the problem and returns false.
bool check_common(const po::variables_map& vm, const std::string& command, std::ostream& err) {
  const std::string output = vm["output"].as<std::string>();
  if (output != "table" && output != "json") {
    err << "rewind " << command << ": --output \"" << output << "\" is not one of table, json\n";
    return false;
  }
  std::error_code ec;
  const std::string dir = vm["state-dir"].as<std::string>();
  if (!fs::is_directory(dir, ec)) {
    err << "rewind " << command << ": no state directory at " << dir
        << " (is `rewind watch` running with --state-dir " << dir << "?)\n";
    return false;
  }
  return true;
}

void print_release_line(const model::Release& r, std::ostream& out) {
  const auto& s = r.status;
  std::string ready = "-";
  for (const auto& c : s.conditions) {
    if (c.type == model::condition_type::kReady) ready = model::to_string(c.status);
  }
  out << std::left << std::setw(12) << r.metadata.ns << std::setw(20) << r.metadata.name
      << std::setw(12) << model::to_string(s.phase) << std::setw(9) << opt(s.current_revision)
      << std::setw(8) << opt(s.stable_revision) << std::setw(8) << ready
      << (s.observed ? s.observed->image.value() : r.spec.image.value()) << "\n";
}

void print_release_detail(const model::Release& r, std::ostream& out) {
  const auto& s = r.status;
  out << "Release " << r.metadata.key().str() << "\n"
      << "  phase:     " << model::to_string(s.phase) << "\n"
      << "  desired:   " << r.spec.image.value() << " (generation " << r.metadata.generation
      << ")\n";
  if (s.observed) {
    out << "  running:   " << s.observed->image.value() << " (config " << s.observed->config_hash
        << (s.observed->migration_revision.empty() ? "" : ", schema " + s.observed->migration_revision)
        << ")\n";
  }
  out << "  revision:  current " << opt(s.current_revision) << ", stable "
      << opt(s.stable_revision) << "\n";
  if (s.pin) {
    out << "  pinned:    revision " << s.pin->revision.value() << " by Rollback " << s.pin->rollback
        << " until the spec changes\n";
  }
  if (s.last_rollback) {
    const auto& l = *s.last_rollback;
    out << "  last rollback: " << l.from.value() << " -> " << l.to.value() << " (" << l.trigger
        << ") at " << model::format_timestamp(l.started_at);
    if (l.finished_at) out << ", took " << l.seconds << " s";
    out << "\n";
  }
  if (!s.message.empty()) out << "  message:   " << s.message << "\n";
  out << "  conditions:\n";
  for (const auto& c : s.conditions) {
    out << "    " << std::left << std::setw(15) << c.type << std::setw(8) << model::to_string(c.status)
        << std::setw(22) << c.reason << c.message << "\n";
  }
}

// The command line shared by status and history: [NAME] and the common
// options. Returns the exit code when the command is already done (help,
// usage error, no state directory), nullopt to go on.
std::optional<int> parse_state_command(const std::vector<std::string>& args, const char* usage,
                                       const std::string& command, po::variables_map& vm,
                                       std::ostream& out, std::ostream& err) {
  po::options_description visible(usage);
  add_common(visible);
  po::options_description all;
  all.add(visible).add_options()("name", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("name", 1);
  if (!parse_options(args, all, pos, vm, command, err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  if (vm.count("name") != 0U || command != "history") {
    if (!check_common(vm, command, err)) return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm;
  if (auto done = parse_state_command(args, kStatusUsage, "status", vm, out, err)) return *done;
  auto store = history::FileStatusStore::open({vm["state-dir"].as<std::string>(), {}});
  if (!store) {
    err << "rewind status: " << store.error().message << "\n";
    return kExitInvalid;
  }
  const bool json = vm["output"].as<std::string>() == "json";
  if (vm.count("name") != 0U) {
    const model::ObjectKey key{vm["namespace"].as<std::string>(), vm["name"].as<std::string>()};
    auto r = (*store)->read_release(key);
    if (!r) {
      err << "rewind status: " << r.error().message << "\n";
      return kExitInvalid;
    }
    if (!*r) {
      err << "rewind status: no Release " << key.str() << " in " << vm["state-dir"].as<std::string>() << "\n";
      return kExitInvalid;
    }
    if (json) {
      out << model::to_json(**r).dump(2) << "\n";
    } else {
      print_release_detail(**r, out);
    }
    return kExitOk;
  }
  auto keys = (*store)->list(history::StatusKind::kRelease);
  if (!keys) {
    err << "rewind status: " << keys.error().message << "\n";
    return kExitInvalid;
  }
  model::Json list = model::Json::array();
  if (!json) {
    out << std::left << std::setw(12) << "NAMESPACE" << std::setw(20) << "NAME" << std::setw(12)
        << "PHASE" << std::setw(9) << "CURRENT" << std::setw(8) << "STABLE" << std::setw(8)
        << "READY" << "IMAGE\n";
  }
  int status = kExitOk;
  for (const auto& key : *keys) {
    auto r = (*store)->read_release(key);
    if (!r || !*r) {
      err << "rewind status: " << key.str() << ": " << (r ? "vanished" : r.error().message) << "\n";
      status = kExitInvalid;
      continue;
    }
    if (json) {
      list.push_back(model::to_json(**r));
    } else {
      print_release_line(**r, out);
    }
  }
  if (json) out << list.dump(2) << "\n";
  return status;
}

int history_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::variables_map vm;
  if (auto done = parse_state_command(args, kHistoryUsage, "history", vm, out, err)) return *done;
  if (vm.count("name") == 0U) {
    err << "rewind history: NAME is required (see rewind history --help)\n";
    return kExitUsage;
  }
  auto store = history::FileHistoryStore::open({vm["state-dir"].as<std::string>(), {}});
  if (!store) {
    err << "rewind history: " << store.error().message << "\n";
    return kExitInvalid;
  }
  const model::ObjectKey key{vm["namespace"].as<std::string>(), vm["name"].as<std::string>()};
  auto h = (*store)->load(key);
  if (!h) {
    err << "rewind history: " << h.error().message << "\n";
    return kExitInvalid;
  }
  if (h->revisions.empty()) {
    err << "rewind history: no history for Release " << key.str() << "\n";
    return kExitInvalid;
  }
  if (vm["output"].as<std::string>() == "json") {
    model::Json j = model::to_json(*h);
    for (auto& rec : j["revisions"]) rec.erase("envFileContents");  // may hold secrets
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  out << std::left << std::setw(5) << "REV" << std::setw(12) << "HASH" << std::setw(28) << "IMAGE"
      << std::setw(18) << "CONFIG" << std::setw(8) << "SCHEMA" << std::setw(16) << "OUTCOME"
      << std::setw(26) << "LIVE" << "REASON\n";
  for (const auto& rec : h->revisions) {
    out << std::left << std::setw(5) << rec.number.value() << std::setw(12) << rec.hash.value()
        << std::setw(28) << rec.revision.image.value() << std::setw(18) << rec.revision.config_hash
        << std::setw(8) << (rec.revision.migration_revision.empty() ? "-" : rec.revision.migration_revision)
        << std::setw(16) << model::to_string(rec.outcome) << std::setw(26) << ts(rec.live_at)
        << rec.outcome_reason << "\n";
  }
  return kExitOk;
}

}  // namespace rwd::cli
