#pragma once
// The key of everything in the runtime: kind + namespace/name. The store
// indexes by it, the work queue carries only it, reconcilers look the object
// up by it.

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "rewind/model/codec.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::runtime {

enum class Kind { kRelease, kRollback };

const char* to_string(Kind kind);  // "Release" | "Rollback"
std::optional<Kind> parse_kind(std::string_view text);
Kind object_kind(const model::Object& object);

struct ObjectRef {
  Kind kind = Kind::kRelease;
  model::ObjectKey key;

  // "Release/shop/api"
  [[nodiscard]] std::string str() const;
  auto operator<=>(const ObjectRef&) const = default;
};

ObjectRef ref_of(const model::Object& object);

inline ObjectRef release_ref(std::string ns, std::string name) {
  return {Kind::kRelease, {std::move(ns), std::move(name)}};
}
inline ObjectRef rollback_ref(std::string ns, std::string name) {
  return {Kind::kRollback, {std::move(ns), std::move(name)}};
}

std::ostream& operator<<(std::ostream& os, const ObjectRef& ref);

}  // namespace rwd::runtime

template <>
struct std::hash<rwd::runtime::ObjectRef> {
  std::size_t operator()(const rwd::runtime::ObjectRef& r) const noexcept {
    return std::hash<rwd::model::ObjectKey>{}(r.key) * 2U + static_cast<std::size_t>(r.kind);
  }
};
