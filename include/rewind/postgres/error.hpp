#pragma once
// Results of the migration driver: a model::Error plus a code, so that a
// blocked migration ("MigrationBlocked") or a dirty schema can be told apart
// without reading messages. Messages never contain the database URL or its
// password (see database_url.hpp).

#include <utility>
#include <variant>

#include "rewind/model/result.hpp"

namespace rwd::postgres {

enum class MigrationCode {
  kFailed,             // a script or query failed (the message says which)
  kConnection,         // the server cannot be reached or refuses the login
  kInvalid,            // bad file names, unknown revisions, bad urlFrom
  kMissingDownScript,  // a down step has no script; nothing was changed
  kDirty,              // the driver's table says a migration stopped half-way
  kUnknownState,       // the revision table holds something we cannot read
  kMigrationBlocked,   // lock_timeout expired (a table or the migration lock is held)
  kStatementTimeout,   // statement_timeout expired
};

// "MigrationBlocked", "MissingDownScript", ...: the condition reason.
const char* to_string(MigrationCode code);

struct MigrationError {
  MigrationCode code = MigrationCode::kFailed;
  model::Error error;

  [[nodiscard]] const std::string& message() const { return error.message; }
  [[nodiscard]] bool blocked() const { return code == MigrationCode::kMigrationBlocked; }

  static MigrationError make(MigrationCode code, model::ErrorKind kind, std::string message) {
    return {code, model::Error{kind, std::move(message)}};
  }
  static MigrationError invalid(std::string message) {
    return make(MigrationCode::kInvalid, model::ErrorKind::kInvalidSpec, std::move(message));
  }
};

template <class T>
class [[nodiscard]] MigrationResult {
 public:
  MigrationResult(T value) : v_(std::move(value)) {}               // NOLINT
  MigrationResult(MigrationError error) : v_(std::move(error)) {}  // NOLINT

  [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<T>(v_); }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<T>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(v_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(v_)); }
  [[nodiscard]] const MigrationError& error() const& { return std::get<MigrationError>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, MigrationError> v_;
};

}  // namespace rwd::postgres
