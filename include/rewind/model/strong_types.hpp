#pragma once
// Strong typedefs for identifiers that must never be mixed up.
//
// The C++ namespace is `rwd`, not `rewind`: <cstdio> declares the C function
// ::rewind(FILE*), and a namespace of the same name cannot coexist with it.
// Modules are rwd::model, rwd::reconcile, rwd::cli, ...; headers stay under
// include/rewind/ and CMake targets are rewind::<module>.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>

namespace rwd::model {

// A value of type T that only converts explicitly. Tag makes each alias a
// distinct type: RevisionHash and ImageRef are both strings but never mix.
template <class Tag, class T>
class Strong {
 public:
  using value_type = T;
  Strong() = default;
  explicit Strong(T value) : value_(std::move(value)) {}
  [[nodiscard]] const T& value() const noexcept { return value_; }
  auto operator<=>(const Strong&) const = default;

 private:
  T value_{};
};

template <class Tag, class T>
std::ostream& operator<<(std::ostream& os, const Strong<Tag, T>& v) {
  return os << v.value();
}

using RevisionNumber = Strong<struct RevisionNumberTag, std::int64_t>;
using RevisionHash = Strong<struct RevisionHashTag, std::string>;
using ImageRef = Strong<struct ImageRefTag, std::string>;

// namespace/name of a Release or Rollback. The namespace defaults to
// "default" when a resource does not name one.
struct ObjectKey {
  std::string ns;
  std::string name;
  [[nodiscard]] std::string str() const { return ns + "/" + name; }
  auto operator<=>(const ObjectKey&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const ObjectKey& k) { return os << k.str(); }

}  // namespace rwd::model

template <class Tag, class T>
struct std::hash<rwd::model::Strong<Tag, T>> {
  std::size_t operator()(const rwd::model::Strong<Tag, T>& v) const noexcept {
    return std::hash<T>{}(v.value());
  }
};

template <>
struct std::hash<rwd::model::ObjectKey> {
  std::size_t operator()(const rwd::model::ObjectKey& k) const noexcept {
    return std::hash<std::string>{}(k.ns) ^ (std::hash<std::string>{}(k.name) * 31U);
  }
};
