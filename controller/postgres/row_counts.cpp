// count_rows: exact SELECT count(*) of named tables, in one read-only
// snapshot, so the counts before and after a migration can be compared.
#include "rewind/postgres/backup.hpp"

#include "session.hpp"

namespace rwd::postgres {
namespace {

struct TableName {
  std::string schema;  // empty: the search_path decides
  std::string table;
};

// "orders" or "shop.orders" (split at the first dot).
std::optional<TableName> split_table(const std::string& name) {
  const auto dot = name.find('.');
  if (dot == std::string::npos) {
    if (name.empty()) return std::nullopt;
    return TableName{"", name};
  }
  TableName t{name.substr(0, dot), name.substr(dot + 1)};
  if (t.schema.empty() || t.table.empty()) return std::nullopt;
  return t;
}

std::string quoted(pqxx::transaction_base& t, const TableName& name) {
  const std::string table = t.quote_name(name.table);
  return name.schema.empty() ? table : t.quote_name(name.schema) + "." + table;
}

}  // namespace

MigrationResult<std::map<std::string, std::int64_t>> count_rows(
    const DatabaseUrl& url, const std::vector<std::string>& tables, const DriverOptions& options,
    bool missing_as_zero) {
  std::vector<TableName> names;
  for (const auto& table : tables) {
    auto name = split_table(table);
    if (!name) {
      return MigrationError::invalid("verifyTables: \"" + table +
                                     "\" is not a table name (expected table or schema.table)");
    }
    names.push_back(std::move(*name));
  }
  auto session = detail::Session::open(url, options);
  if (!session) return session.error();
  std::map<std::string, std::int64_t> counts;
  std::string current;
  try {
    (*session)->exec_now("SET statement_timeout = " +
                         std::to_string(options.statement_timeout.count()));
    pqxx::read_transaction t((*session)->connection());
    for (std::size_t i = 0; i < names.size(); ++i) {
      current = tables[i];
      if (missing_as_zero &&
          t.exec("SELECT to_regclass(" + t.quote(quoted(t, names[i])) + ") IS NULL")[0][0]
              .as<bool>()) {
        counts[tables[i]] = 0;
        continue;
      }
      const auto r = t.exec("SELECT count(*) FROM " + quoted(t, names[i]));
      counts[tables[i]] = r[0][0].as<std::int64_t>();
    }
    t.commit();
  } catch (const pqxx::sql_error& e) {
    // 42P01 undefined_table, 3F000 invalid_schema_name
    if (e.sqlstate() == "42P01" || e.sqlstate() == "3F000") {
      return MigrationError::make(
          MigrationCode::kFailed, model::ErrorKind::kTerminal,
          "counting rows: table \"" + current + "\" does not exist in " + url.display());
    }
    return detail::current_error(url, "counting rows of \"" + current + "\" in " + url.display());
  } catch (...) {
    return detail::current_error(url, "counting rows of \"" + current + "\" in " + url.display());
  }
  return counts;
}

}  // namespace rwd::postgres
