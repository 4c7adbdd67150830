#pragma once
// Errors inside the engine are values. Only the edges (parsing of start-up
// configuration, the CLI) throw.

#include <string>
#include <utility>
#include <variant>

namespace rwd::model {

enum class ErrorKind {
  kTransient,    // retry with backoff: a peer is away, a lock is held
  kTerminal,     // retrying will not help until something changes
  kInvalidSpec,  // the desired object itself is wrong; report on its status
};

struct Error {
  ErrorKind kind = ErrorKind::kTerminal;
  std::string message;
  // Optional CamelCase cause for a status condition ("MigrationBlocked",
  // "BackupFailed"); empty when the message says all there is.
  std::string reason;

  Error() = default;
  Error(ErrorKind k, std::string m, std::string r = {})
      : kind(k), message(std::move(m)), reason(std::move(r)) {}

  static Error transient(std::string m) { return {ErrorKind::kTransient, std::move(m)}; }
  static Error terminal(std::string m) { return {ErrorKind::kTerminal, std::move(m)}; }
  static Error invalid_spec(std::string m) { return {ErrorKind::kInvalidSpec, std::move(m)}; }
};

const char* to_string(ErrorKind kind);

// Result<T>: a T or an Error. Small on purpose; C++20 has no std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<T>(v_); }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<T>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(v_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(v_)); }
  [[nodiscard]] const Error& error() const& { return std::get<Error>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace rwd::model
