#pragma once
// alembic, golang-migrate and flyway migrations: rewind reads the tool's
// revision table, runs spec.migration.upCommand or downCommand (its argv
// with {{revision}} replaced by the target, DATABASE_URL in its environment)
// and reads the table again: the schema must be at the target then.
// Where the command runs (host or a one-off container) is the runner's job.

#include <functional>
#include <string>
#include <vector>

#include "rewind/execute/database.hpp"
#include "rewind/execute/platform.hpp"
#include "rewind/postgres/database_url.hpp"

namespace rwd::postgres {

inline constexpr const char* kRevisionPlaceholder = "{{revision}}";

// `argv` with every {{revision}} replaced by `revision`.
std::vector<std::string> render_command(const std::vector<std::string>& argv,
                                        const std::string& revision);

enum class CommandDirection { kNone, kUp, kDown };

// kNone when `current` is `target` ("none" and alembic's "base" are the
// empty schema). A target of none/base is down, a current of none is up;
// golang-migrate and flyway compare their versions as numbers (flyway's
// dotted: 1.10 > 1.9); alembic's ids are not ordered: `down` decides.
CommandDirection command_direction(model::MigrationDriver driver, const std::string& current,
                                   const std::string& target, bool down);

// True when the revision table's `current` is `target`.
bool at_revision(const std::string& current, const std::string& target);

using RevisionReader = std::function<model::Result<std::string>()>;
// Runs the command (image, argv, env, target and timeout filled in; the
// runner decides where) and returns its exit code and output.
using CommandRunner =
    std::function<model::Result<execute::CommandOutput>(const execute::OneOffCommand&)>;

// Reads the revision, runs the command of the direction (none when at
// `to`), reads again. Errors: MissingMigrationCommand (the direction's
// command is empty), MigrationCommandFailed (the schema is not at `to`
// afterwards; with the exit code and the last lines of output, redacted).
model::Result<execute::MigrationDone> migrate_by_command(const execute::DatabaseRef& db,
                                                         const std::string& to,
                                                         const DatabaseUrl& url,
                                                         const RevisionReader& read,
                                                         const CommandRunner& run);

}  // namespace rwd::postgres
