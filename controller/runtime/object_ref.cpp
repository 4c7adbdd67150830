#include "rewind/runtime/object_ref.hpp"

namespace rwd::runtime {

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::kRelease: return "Release";
    case Kind::kRollback: return "Rollback";
  }
  return "Unknown";
}

std::optional<Kind> parse_kind(std::string_view text) {
  if (text == "Release") return Kind::kRelease;
  if (text == "Rollback") return Kind::kRollback;
  return std::nullopt;
}

Kind object_kind(const model::Object& object) {
  return std::holds_alternative<model::Release>(object) ? Kind::kRelease : Kind::kRollback;
}

std::string ObjectRef::str() const { return std::string(to_string(kind)) + "/" + key.str(); }

ObjectRef ref_of(const model::Object& object) {
  return {object_kind(object), model::metadata_of(object).key()};
}

std::ostream& operator<<(std::ostream& os, const ObjectRef& ref) { return os << ref.str(); }

}  // namespace rwd::runtime
