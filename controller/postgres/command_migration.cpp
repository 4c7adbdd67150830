// alembic / golang-migrate / flyway: the direction, the command, the check.

#include "rewind/postgres/command_migration.hpp"

#include <cctype>
#include <optional>

#include "rewind/postgres/sql_dir.hpp"

namespace rwd::postgres {
namespace {

constexpr std::size_t kOutputLines = 8;

bool is_empty_schema(const std::string& revision) {
  return revision.empty() || revision == kNoRevision || revision == "base";
}

// "1.10.2" / "20240101120000" / "1_2" as numbers; nullopt when not a version.
std::optional<std::vector<unsigned long long>> version_parts(const std::string& v) {
  std::vector<unsigned long long> parts;
  std::string digits;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])) != 0) {
      digits += v[i];
      continue;
    }
    if (digits.empty() || digits.size() > 19) return std::nullopt;
    if (i < v.size() && v[i] != '.' && v[i] != '_') return std::nullopt;
    parts.push_back(std::stoull(digits));
    digits.clear();
  }
  while (parts.size() > 1 && parts.back() == 0) parts.pop_back();
  return parts;
}

// The last lines of `text` that say something, joined with "; ".
std::string last_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())) != 0) {
      line.pop_back();
    }
    if (!line.empty()) lines.push_back(std::move(line));
    pos = end + 1;
  }
  std::string out;
  const std::size_t from = lines.size() > kOutputLines ? lines.size() - kOutputLines : 0;
  for (std::size_t i = from; i < lines.size(); ++i) out += (out.empty() ? "" : "; ") + lines[i];
  return out.empty() ? "(no output)" : out;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string outcome(const execute::CommandOutput& out, model::Duration timeout) {
  if (out.timed_out) {
    return "killed after " + std::to_string(timeout.count()) + "ms (commandTimeout)";
  }
  return "exit " + std::to_string(out.exit_code);
}

std::string field_of(CommandDirection d) {
  return d == CommandDirection::kUp ? "spec.migration.upCommand" : "spec.migration.downCommand";
}

}  // namespace

std::vector<std::string> render_command(const std::vector<std::string>& argv,
                                        const std::string& revision) {
  const std::string placeholder = kRevisionPlaceholder;
  std::vector<std::string> out;
  for (std::string arg : argv) {
    for (auto at = arg.find(placeholder); at != std::string::npos;
         at = arg.find(placeholder, at + revision.size())) {
      arg.replace(at, placeholder.size(), revision);
    }
    out.push_back(std::move(arg));
  }
  return out;
}

bool at_revision(const std::string& current, const std::string& target) {
  return current == target || (is_empty_schema(current) && is_empty_schema(target));
}

CommandDirection command_direction(model::MigrationDriver driver, const std::string& current,
                                   const std::string& target, bool down) {
  if (at_revision(current, target)) return CommandDirection::kNone;
  if (is_empty_schema(target)) return CommandDirection::kDown;
  if (is_empty_schema(current)) return CommandDirection::kUp;
  if (driver != model::MigrationDriver::kAlembic) {
    const auto from = version_parts(current);
    const auto to = version_parts(target);
    if (from && to) return *to < *from ? CommandDirection::kDown : CommandDirection::kUp;
  }
  return down ? CommandDirection::kDown : CommandDirection::kUp;
}

model::Result<execute::MigrationDone> migrate_by_command(const execute::DatabaseRef& db,
                                                         const std::string& to,
                                                         const DatabaseUrl& url,
                                                         const RevisionReader& read,
                                                         const CommandRunner& run) {
  auto from = read();
  if (!from) return from.error();
  const CommandDirection d = command_direction(db.spec.driver, *from, to, db.down);
  if (d == CommandDirection::kNone) return execute::MigrationDone{*from, *from, {}};
  const auto& configured = d == CommandDirection::kUp ? db.spec.up_command : db.spec.down_command;
  const std::string moving = "release " + db.release.metadata.name + ": the " +
                             model::to_string(db.spec.driver) + " schema moves from " + *from +
                             (d == CommandDirection::kUp ? " up" : " down") + " to " + to;
  if (configured.empty()) {
    return model::Error(model::ErrorKind::kInvalidSpec,
                        moving + ", but " + field_of(d) + " is empty; set it to the argv that " +
                            "does that, with " + kRevisionPlaceholder + " for the revision",
                        "MissingMigrationCommand");
  }
  execute::OneOffCommand command;
  if (db.image) command.image = *db.image;
  // alembic names the empty schema "base".
  const bool alembic_base =
      db.spec.driver == model::MigrationDriver::kAlembic && is_empty_schema(to);
  command.argv = render_command(configured, alembic_base ? "base" : to);
  command.env = {{"DATABASE_URL", url.secret()}};
  command.target = db.release.spec.target;
  command.timeout = db.spec.command_timeout;
  const std::string shown = url.redact(joined(command.argv));
  auto out = run(command);
  if (!out) {
    model::Error e = out.error();
    e.message =
        url.redact(moving + ": " + field_of(d) + " (" + shown + ") did not run: " + e.message);
    return e;
  }
  auto after = read();
  if (!after) return after.error();
  if (!at_revision(*after, to)) {
    return model::Error(model::ErrorKind::kTerminal,
                        url.redact(moving + ", but after " + field_of(d) + " (" + shown + ", " +
                                   outcome(*out, db.spec.command_timeout) + ") it is at " + *after +
                                   "; last output: " + last_lines(out->output)),
                        "MigrationCommandFailed");
  }
  return execute::MigrationDone{*from, *after, {shown}};
}

}  // namespace rwd::postgres
