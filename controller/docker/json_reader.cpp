// Type-checked JSON reads, and the guarded JSON parse.

#include "json_reader.hpp"

#include "rewind/docker/parse.hpp"
#include "rewind/model/json_depth.hpp"

namespace rwd::docker {
namespace detail {

const json* JsonReader::field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

void JsonReader::fail(const std::string& path, const std::string& expected) {
  if (!error_) error_ = document_ + ": " + path + ": expected " + expected;
}

std::string JsonReader::str(const json& obj, const char* key, const std::string& path) {
  const json* v = field(obj, key);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    fail(path, "a string");
    return {};
  }
  return v->get_ref<const std::string&>();
}

std::int64_t JsonReader::integer(const json& obj, const char* key, const std::string& path) {
  const json* v = field(obj, key);
  if (v == nullptr) return 0;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
  }
  fail(path, "an integer");
  return 0;
}

bool JsonReader::boolean(const json& obj, const char* key, const std::string& path) {
  const json* v = field(obj, key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    fail(path, "true or false");
    return false;
  }
  return v->get<bool>();
}

std::vector<std::string> JsonReader::strings(const json& obj, const char* key,
                                             const std::string& path) {
  std::vector<std::string> out;
  const json* v = field(obj, key);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    fail(path, "a list of strings");
    return out;
  }
  for (const auto& item : *v) {
    if (!item.is_string()) {
      fail(path, "a list of strings");
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> JsonReader::string_map(const json& obj, const char* key,
                                                          const std::string& path) {
  std::map<std::string, std::string> out;
  const json* v = field(obj, key);
  if (v == nullptr) return out;
  if (!v->is_object()) {
    fail(path, "an object of strings");
    return out;
  }
  for (const auto& [k, item] : v->items()) {
    if (!item.is_string()) {
      fail(path + "." + k, "a string");
      return {};
    }
    out.emplace(k, item.get<std::string>());
  }
  return out;
}

const json& JsonReader::object(const json& obj, const char* key, const std::string& path) {
  static const json kEmpty = json::object();
  const json* v = field(obj, key);
  if (v == nullptr) return kEmpty;
  if (!v->is_object()) {
    fail(path, "an object");
    return kEmpty;
  }
  return *v;
}

json JsonReader::raw(const json& obj, const char* key) {
  const json* v = field(obj, key);
  return v == nullptr ? json() : *v;
}

}  // namespace detail

model::Result<nlohmann::json> parse_json(std::string_view text, std::string_view what) {
  const std::string doc(what);
  if (text.size() > kMaxJsonBytes) {
    return model::Error::terminal(doc + ": response of " + std::to_string(text.size()) +
                                  " bytes is over the limit of " + std::to_string(kMaxJsonBytes));
  }
  if (model::json_nesting_exceeds(text, kMaxJsonDepth)) {
    return model::Error::terminal(doc + ": JSON nested deeper than " +
                                  std::to_string(kMaxJsonDepth) + " levels");
  }
  auto value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return model::Error::terminal(doc + ": not valid JSON");
  return value;
}

}  // namespace rwd::docker
