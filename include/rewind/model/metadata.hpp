#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "rewind/model/strong_types.hpp"

namespace rwd::model {

inline constexpr const char* kApiGroup = "rewind.dev";
inline constexpr const char* kApiVersion = "rewind.dev/v1alpha1";
inline constexpr const char* kDefaultNamespace = "default";

struct ObjectMeta {
  std::string name;
  std::string ns = kDefaultNamespace;  // "namespace" in YAML/JSON
  std::string uid;
  std::int64_t generation = 0;
  std::string resource_version;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;

  [[nodiscard]] ObjectKey key() const { return {ns, name}; }
  bool operator==(const ObjectMeta&) const = default;
};

}  // namespace rwd::model
