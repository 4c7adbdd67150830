#pragma once
// Results of Docker Engine API calls: a model::Error plus the HTTP status, so
// that "no such container" (404) and "conflict" (409) can be told apart from
// other failures without reading messages.

#include <utility>
#include <variant>

#include "rewind/model/result.hpp"

namespace rwd::docker {

struct ApiError {
  model::Error error;
  int status = 0;  // HTTP status; 0 when no response arrived

  [[nodiscard]] bool not_found() const { return status == 404; }
  [[nodiscard]] bool conflict() const { return status == 409; }
  [[nodiscard]] const std::string& message() const { return error.message; }

  ApiError(model::Error e, int s = 0) : error(std::move(e)), status(s) {}  // NOLINT
};

template <class T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  ApiResult(model::Error error) : v_(ApiError(std::move(error))) {}  // NOLINT

  [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<T>(v_); }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<T>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(v_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(v_)); }
  [[nodiscard]] const ApiError& error() const& { return std::get<ApiError>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // For callers that only need the engine's error type.
  [[nodiscard]] model::Result<T> to_model() && {
    if (ok()) return std::move(*this).value();
    return error().error;
  }

 private:
  std::variant<T, ApiError> v_;
};

class [[nodiscard]] ApiStatus {
 public:
  ApiStatus() = default;
  ApiStatus(ApiError error) : error_(std::move(error)), ok_(false) {}                // NOLINT
  ApiStatus(model::Error error) : error_(ApiError(std::move(error))), ok_(false) {}  // NOLINT
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const ApiError& error() const { return error_; }
  [[nodiscard]] model::Status to_model() const {
    if (ok_) return {};
    return error_.error;
  }

 private:
  ApiError error_{model::Error{}};
  bool ok_ = true;
};

}  // namespace rwd::docker
