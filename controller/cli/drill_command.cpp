// rewind drill NAME: a rollback drill now, on a copy of the database.

#include <chrono>
#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "rewind/cli/state_lock.hpp"
#include "rewind/execute/drill.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/history/layout.hpp"
#include "rewind/postgres/database_target.hpp"

#include "commands.hpp"
#include "engine.hpp"
#include "options.hpp"
#include "state_postgres.hpp"

namespace rwd::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(Usage: rewind drill NAME [options]

Runs a rollback drill of a Release with spec.migration now, on a copy: a fresh
verified pg_dump, restored into a scratch database <db>_rewind_drill_<time>,
migrated down to the schema of the revision a rollback would go back to (sql-dir:
with the down scripts the history kept; alembic, golang-migrate, flyway: their
downCommand with DATABASE_URL naming the copy, in a one-off container of the
running image with runIn image, which needs the Docker Engine at DOCKER_HOST
or /var/run/docker.sock), the revision checked, verifyTables counted, the copy
dropped. The live database and the running service are not
touched. The result goes into the Release's status (status.migration.lastDrill);
RollbackReady is True only after a drill passed. `migration.drill.every` makes
`rewind watch` run drills on its own.

The Release and its history come from the state directory (or, with --state
postgres://..., from the database a fleet shares). Relative paths of
spec.migration (directory, backup.directory, urlFrom.file) start in --base-dir:
the folder of the Release files.

  rewind drill api -n shop --base-dir /srv/deploy/releases

Exit status: 0 the drill passed, 1 it failed or cannot run, 2 usage error.

Options)";

model::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

struct Stores {
  std::shared_ptr<history::HistoryStore> histories;
  std::shared_ptr<history::StatusStore> statuses;
};

model::Result<Stores> open_stores(const fs::path& dir, const std::optional<StateDatabase>& state) {
  Stores in_database;
  auto opened = open_state_stores(state, in_database.histories, in_database.statuses);
  if (!opened) return opened.error();
  if (*opened) return in_database;
  if (!fs::is_directory(dir)) {
    return model::Error::invalid_spec("no state directory " + dir.string() +
                                      " (rewind watch --state-dir writes it)");
  }
  auto h = history::FileHistoryStore::open({dir, {}});
  if (!h) return model::Error::terminal(dir.string() + ": " + h.error().message);
  auto s = history::FileStatusStore::open({dir, {}});
  if (!s) return model::Error::terminal(dir.string() + ": " + s.error().message);
  return Stores{std::move(*h), std::move(*s)};
}

// Records the outcome in the stored status, read again just before.
model::Status record(history::StatusStore& statuses, const model::ObjectKey& key,
                     const execute::DrillOutcome& outcome) {
  auto stored = statuses.read_release(key);
  if (!stored) return stored.error();
  if (!*stored) return model::Error::terminal("the Release is gone from rewind's state");
  model::Release r = **stored;
  model::MigrationStatus& m =
      r.status.migration ? *r.status.migration : r.status.migration.emplace();
  m.last_drill = outcome.record;
  if (outcome.backup) m.last_backup = outcome.backup;
  return statuses.write(r);
}

int drill(const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  const model::ObjectKey key{vm["namespace"].as<std::string>(), vm["name"].as<std::string>()};
  const fs::path state_dir = vm["state-dir"].as<std::string>();
  std::optional<StateDatabase> state;
  if (!select_state(vm, "drill", err, state)) return kExitUsage;
  auto stores = open_stores(state_dir, state);
  if (!stores) {
    err << "rewind drill: " << stores.error().message << "\n";
    return stores.error().kind == model::ErrorKind::kInvalidSpec ? kExitUsage : kExitInvalid;
  }
  auto stored = stores->statuses->read_release(key);
  if (!stored || !*stored) {
    err << "rewind drill: no Release " << key.str() << " in "
        << (state ? std::string("the --state database") : state_dir.string())
        << (stored ? "" : ": " + stored.error().message) << "\n";
    return kExitInvalid;
  }
  auto history = stores->histories->load(key);
  if (!history) {
    err << "rewind drill: history of " << key.str() << ": " << history.error().message << "\n";
    return kExitInvalid;
  }
  auto lock = StateLock::try_acquire(state_dir, "rewind drill");
  if (lock && std::holds_alternative<LockHolder>(*lock)) {
    out << "(" << std::get<LockHolder>(*lock).describe()
        << " runs; the result goes into the status it reads)\n";
  }
  postgres::PostgresDatabaseOptions options;
  const fs::path base = vm["base-dir"].as<std::string>();
  options.base_dir = [base](const model::Release&) { return base; };
  // alembic / golang-migrate / flyway with runIn image: the down command runs
  // in a one-off container of the image that runs now.
  std::unique_ptr<Engine> engine;
  const auto& mig = (*stored)->spec.migration;
  if (mig && mig->driver != model::MigrationDriver::kSqlDir &&
      mig->run_in == model::CommandPlace::kImage) {
    auto assembled = assemble_engine({state_dir, std::nullopt, state});
    if (!assembled) {
      err << "rewind drill: runIn image needs the Docker Engine: " << assembled.error().message
          << "\n";
      return kExitInvalid;
    }
    engine = std::move(*assembled);
    options.run_in_image = [containers = engine->platform.get()](const execute::OneOffCommand& c) {
      return containers->run_once(c);
    };
  }
  postgres::PostgresDatabase db(std::move(options));
  out << "rollback drill of " << key.str() << ": backup, restore into a scratch database, "
      << "down-migrate, check …\n"
      << std::flush;
  auto outcome = execute::run_rollback_drill(db, **stored, *history, now);
  if (!outcome) {
    err << "rewind drill: " << outcome.error().message << "\n";
    return kExitInvalid;
  }
  if (auto st = record(*stores->statuses, key, *outcome); !st) {
    err << "rewind drill: the result could not be recorded: " << st.error().message << "\n";
  }
  const model::DrillRecord& r = outcome->record;
  out << (r.passed ? "passed" : "FAILED") << " in " << r.seconds << "s: " << r.message << "\n";
  return r.passed ? kExitOk : kExitInvalid;
}

}  // namespace

int drill_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description visible(kUsage);
  visible.add_options()("help,h", "show this help")(
      "namespace,n", po::value<std::string>()->default_value("default")->value_name("NS"),
      "namespace of NAME")(
      "state-dir",
      po::value<std::string>()->default_value(history::kDefaultStateDir)->value_name("DIR"),
      "rewind's state directory")("base-dir",
                                  po::value<std::string>()->default_value(".")->value_name("DIR"),
                                  "where relative paths of spec.migration start");
  add_state_options(visible);
  po::options_description all;
  all.add(visible).add_options()("name", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  if (!parse_options(args, all, pos, vm, "drill", err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  if (vm.count("name") == 0U) {
    err << "rewind drill: NAME is missing (rewind drill --help)\n";
    return kExitUsage;
  }
  return drill(vm, out, err);
}

}  // namespace rwd::cli
