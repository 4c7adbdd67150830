#include "rewind/postgres/sql_dir.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <set>

namespace rwd::postgres {
namespace {

struct FileName {
  std::uint64_t number = 0;
  std::string revision;
  std::string name;
  Direction direction = Direction::kUp;
};

std::optional<std::uint64_t> parse_number(const std::string& digits) {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

MigrationResult<FileName> parse_file_name(const std::string& file, const std::string& origin) {
  static const std::regex kName(R"(^([0-9]{1,18})_([A-Za-z0-9_\-]+)\.(up|down)\.sql$)");
  std::smatch m;
  if (!std::regex_match(file, m, kName)) {
    return MigrationError::invalid(
        origin + ": " + file +
        " is not a migration file name: expected NNNN_name.up.sql or NNNN_name.down.sql "
        "(digits, '_', letters/digits/'_'/'-')");
  }
  return FileName{*parse_number(m[1].str()), m[1].str(), m[2].str(),
                  m[3].str() == "up" ? Direction::kUp : Direction::kDown};
}

std::string expected_file(const SqlMigration& m, Direction d) {
  return m.revision + "_" + m.name + (d == Direction::kUp ? ".up.sql" : ".down.sql");
}

std::optional<MigrationError> add_file(MigrationSet& set, const FileName& f, SqlScript script) {
  auto [it, inserted] = set.migrations.try_emplace(f.number);
  SqlMigration& m = it->second;
  if (inserted) {
    m.number = f.number;
    m.revision = f.revision;
    m.name = f.name;
  } else if (m.revision != f.revision || m.name != f.name) {
    const auto& other = m.up ? m.up->file : m.down->file;
    return MigrationError::invalid(set.origin + ": " + script.file + " and " + other +
                                   " both have number " + std::to_string(f.number) +
                                   " but different names");
  }
  auto& slot = f.direction == Direction::kUp ? m.up : m.down;
  if (slot) {
    return MigrationError::invalid(
        set.origin + ": " + script.file + " and " + slot->file + " are both the " +
        (f.direction == Direction::kUp ? "up" : "down") + " script of revision " + f.revision);
  }
  slot = std::move(script);
  return std::nullopt;
}

std::string revision_list(const MigrationSet& set) {
  std::string out;
  for (const auto& [n, m] : set.migrations) out += (out.empty() ? "" : ", ") + m.revision;
  return out.empty() ? "no revisions" : out;
}

// 0 stands for kNoRevision (an empty schema).
MigrationResult<std::uint64_t> revision_number(const std::string& revision, const char* what) {
  if (revision == kNoRevision) return std::uint64_t{0};
  const auto n = parse_number(revision);
  if (!n || *n == 0) {
    return MigrationError::invalid(std::string(what) + " revision \"" + revision +
                                   "\" is not a migration number (digits, e.g. 0003) or \"none\"");
  }
  return *n;
}

MigrationResult<MigrationPlan> plan_up(const MigrationSet& set, MigrationPlan plan,
                                       std::uint64_t from, std::uint64_t to) {
  if (set.migrations.count(to) == 0) {
    return MigrationError::invalid("target revision " + plan.to + " is not in " + set.origin +
                                   " (it has " + revision_list(set) + ")");
  }
  for (auto it = set.migrations.upper_bound(from); it != set.migrations.end() && it->first <= to;
       ++it) {
    const SqlMigration& m = it->second;
    if (!m.up) {
      return MigrationError::invalid("revision " + m.revision + " has no up script: expected " +
                                     expected_file(m, Direction::kUp) + " in " + set.origin);
    }
    plan.steps.push_back({Direction::kUp, m.number, m.revision, m.name, *m.up});
  }
  return plan;
}

MigrationError missing_down(const MigrationPlan& plan, const std::string& revision,
                            const std::string& file, const std::string& origin) {
  return MigrationError::make(MigrationCode::kMissingDownScript, model::ErrorKind::kTerminal,
                              "cannot downgrade from " + plan.from + " to " + plan.to +
                                  ": revision " + revision + " has no down script (expected " +
                                  file + " in " + origin + "); nothing was changed");
}

// Revisions to revert in (to, from], newest first: those the database has
// applied when known, else those of `set`.
std::vector<std::uint64_t> down_numbers(const MigrationSet& set,
                                        const std::vector<AppliedRevision>& applied,
                                        std::uint64_t from, std::uint64_t to) {
  std::set<std::uint64_t> numbers;
  for (const auto& [n, m] : set.migrations) {
    if (applied.empty() && n > to && n <= from) numbers.insert(n);
  }
  for (const auto& a : applied) {
    if (a.number > to && a.number <= from) numbers.insert(a.number);
  }
  return {numbers.rbegin(), numbers.rend()};
}

MigrationResult<MigrationPlan> plan_down(const MigrationSet& set,
                                         const std::vector<AppliedRevision>& applied,
                                         MigrationPlan plan, std::uint64_t from, std::uint64_t to) {
  for (const auto n : down_numbers(set, applied, from, to)) {
    const auto it = set.migrations.find(n);
    if (it == set.migrations.end()) {
      const auto& a = *std::find_if(applied.begin(), applied.end(),
                                    [n](const AppliedRevision& r) { return r.number == n; });
      return missing_down(plan, a.revision, a.revision + "_" + a.name + ".down.sql", set.origin);
    }
    const SqlMigration& m = it->second;
    if (!m.down) {
      return missing_down(plan, m.revision, expected_file(m, Direction::kDown), set.origin);
    }
    plan.steps.push_back({Direction::kDown, m.number, m.revision, m.name, *m.down});
  }
  return plan;
}

}  // namespace

const SqlMigration* MigrationSet::find(const std::string& revision) const {
  const auto n = parse_number(revision);
  if (!n) return nullptr;
  const auto it = migrations.find(*n);
  return it == migrations.end() ? nullptr : &it->second;
}

MigrationResult<MigrationSet> parse_migration_files(const std::map<std::string, std::string>& files,
                                                    std::string origin) {
  MigrationSet set;
  set.origin = std::move(origin);
  for (const auto& [file, sql] : files) {
    if (!file.ends_with(".sql")) continue;
    auto name = parse_file_name(file, set.origin);
    if (!name) return name.error();
    if (auto err = add_file(set, *name, SqlScript{file, sql})) return *err;
  }
  return set;
}

MigrationResult<MigrationPlan> plan_migration(const MigrationSet& set, const std::string& from,
                                              const std::string& to,
                                              const std::vector<AppliedRevision>& applied) {
  auto from_n = revision_number(from, "current");
  if (!from_n) return from_n.error();
  auto to_n = revision_number(to, "target");
  if (!to_n) return to_n.error();
  MigrationPlan plan{from, to, {}};
  if (*from_n == *to_n) return plan;
  if (*from_n != 0 && set.migrations.count(*from_n) == 0) {
    return MigrationError::make(MigrationCode::kUnknownState, model::ErrorKind::kTerminal,
                                "the database is at revision " + from + ", which " + set.origin +
                                    " does not contain (it has " + revision_list(set) + ")");
  }
  if (*from_n < *to_n) return plan_up(set, std::move(plan), *from_n, *to_n);
  return plan_down(set, applied, std::move(plan), *from_n, *to_n);
}

}  // namespace rwd::postgres
