// How a libpqxx exception becomes a MigrationError (session.cpp): its code,
// whether rewind retries it, and a message without the password. No server:
// the exceptions are thrown here as libpqxx throws them.

#include "../../../controller/postgres/session.hpp"

#include <gtest/gtest.h>

namespace rwd::postgres::detail {
namespace {

const DatabaseUrl& url() {
  static const DatabaseUrl u("postgresql://app:s3cret@db.local:5432/shop");
  return u;
}

struct Mapped {
  MigrationError error;
  bool in_doubt = false;
};

template <class E>
Mapped mapped(const E& e, const std::string& context) {
  try {
    throw e;
  } catch (...) {
    return {current_error(url(), context), commit_in_doubt()};
  }
}

// PostgreSQL restarted while a step's COMMIT ran: libpqxx cannot tell whether
// it committed. Not a failed script: rewind retries, and the retry reads the
// revision table to find out.
TEST(CurrentError, AConnectionLostDuringCommitIsRetriedAndSaysTheOutcomeIsUnknown) {
  const auto m =
      mapped(pqxx::in_doubt_error("WARNING: Connection lost while committing transaction "
                                  "''. There is no way to tell whether the transaction "
                                  "succeeded or was aborted except to check manually."),
             "0003_email.up.sql");
  EXPECT_TRUE(m.in_doubt);
  EXPECT_EQ(m.error.code, MigrationCode::kConnection);
  EXPECT_STREQ(to_string(m.error.code), "DatabaseUnreachable");
  EXPECT_EQ(m.error.error.kind, model::ErrorKind::kTransient);
  const std::string& msg = m.error.message();
  EXPECT_EQ(msg.rfind("0003_email.up.sql: ", 0), 0U) << msg;
  EXPECT_NE(msg.find("@db.local:5432/shop"), std::string::npos) << msg;
  EXPECT_NE(msg.find("COMMIT"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("s3cret"), std::string::npos) << msg;
}

TEST(CurrentError, AConnectionLostBeforeCommitIsRetriedAndNotInDoubt) {
  const auto m = mapped(pqxx::broken_connection("Could not obtain client encoding: not connected."),
                        "0003_email.up.sql");
  EXPECT_FALSE(m.in_doubt);
  EXPECT_EQ(m.error.code, MigrationCode::kConnection);
  EXPECT_EQ(m.error.error.kind, model::ErrorKind::kTransient);
}

TEST(CurrentError, AFailingScriptIsTerminalAndALockTimeoutIsBlocked) {
  const auto failed =
      mapped(pqxx::sql_error("ERROR:  column \"x\" does not exist\n", "ALTER TABLE users", "42703"),
             "0003_email.down.sql");
  EXPECT_FALSE(failed.in_doubt);
  EXPECT_EQ(failed.error.code, MigrationCode::kFailed);
  EXPECT_EQ(failed.error.error.kind, model::ErrorKind::kTerminal);
  EXPECT_EQ(failed.error.message(), "0003_email.down.sql: ERROR:  column \"x\" does not exist");

  const auto blocked = mapped(
      pqxx::sql_error("ERROR:  canceling statement due to lock timeout", "DROP TABLE", "55P03"),
      "0002_orders.down.sql");
  EXPECT_FALSE(blocked.in_doubt);
  EXPECT_TRUE(blocked.error.blocked());
  EXPECT_EQ(blocked.error.error.kind, model::ErrorKind::kTransient);
}

}  // namespace
}  // namespace rwd::postgres::detail
