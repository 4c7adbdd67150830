#pragma once
// Type-checked reads from Docker's JSON documents for the parse_* functions.
// Missing and null fields read as empty; a field of the wrong type records
// the first error (document, path, what was expected). Never throws.
// Internal to controller/docker.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewind/model/result.hpp"

namespace rwd::docker::detail {

using nlohmann::json;

class JsonReader {
 public:
  explicit JsonReader(std::string document) : document_(std::move(document)) {}

  // The field, or nullptr when it is missing or null. `obj` must be an object.
  const json* field(const json& obj, const char* key);

  std::string str(const json& obj, const char* key, const std::string& path);
  std::int64_t integer(const json& obj, const char* key, const std::string& path);
  bool boolean(const json& obj, const char* key, const std::string& path);
  std::vector<std::string> strings(const json& obj, const char* key, const std::string& path);
  std::map<std::string, std::string> string_map(const json& obj, const char* key,
                                                const std::string& path);
  // The object, or an empty object when missing or null.
  const json& object(const json& obj, const char* key, const std::string& path);
  // The value as it is (any type), or null when missing.
  json raw(const json& obj, const char* key);

  void fail(const std::string& path, const std::string& expected);
  [[nodiscard]] bool ok() const { return !error_; }
  [[nodiscard]] model::Error error() const { return model::Error::terminal(*error_); }
  [[nodiscard]] const std::string& document() const { return document_; }

 private:
  std::string document_;
  std::optional<std::string> error_;
};

}  // namespace rwd::docker::detail
