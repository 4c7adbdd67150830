#pragma once
// Shared by the postgres integration tests: one private server per test
// process (ctest runs every test in its own process) and small SQL helpers.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "rewind/postgres/database_url.hpp"
#include "rewind/postgres/driver.hpp"

#include "postgres_server.hpp"

namespace rwd::itest {

class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<PostgresServer>(); }
  static void TearDownTestSuite() { server_.reset(); }

  static PostgresServer& server() { return *server_; }
  static postgres::DatabaseUrl url() { return postgres::DatabaseUrl(server_->url()); }

  // Runs SQL on its own connection and returns the first column of every row.
  static std::vector<std::string> query(const std::string& sql) {
    pqxx::connection c(server_->url());
    pqxx::work w(c);
    const auto r = w.exec(sql);
    w.commit();
    std::vector<std::string> out;
    for (const auto& row : r) {
      if (row.size() > 0) out.push_back(row[0].is_null() ? "NULL" : row[0].as<std::string>());
    }
    return out;
  }

  static bool table_exists(const std::string& table) {
    return query("SELECT to_regclass('" + table + "') IS NOT NULL") ==
           std::vector<std::string>{"t"};
  }

  static std::vector<std::string> sql_dir_rows() {
    return query("SELECT revision FROM rewind_schema_migrations ORDER BY number");
  }

 private:
  static inline std::unique_ptr<PostgresServer> server_;
};

}  // namespace rwd::itest
