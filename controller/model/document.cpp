// The Node tree that the YAML and JSON loaders build (document_yaml.cpp,
// document_json.cpp).

#include "rewind/model/document.hpp"

#include <string>

#include "text_guard.hpp"

namespace rwd::model {

// ---- Node ------------------------------------------------------------------

Node Node::null(Mark m) {
  Node n;
  n.mark_ = m;
  return n;
}

Node Node::scalar(std::string text, bool plain, Mark m) {
  Node n;
  n.kind_ = Kind::kScalar;
  n.text_ = std::move(text);
  n.plain_ = plain;
  n.mark_ = m;
  return n;
}

Node Node::sequence(Mark m) {
  Node n;
  n.kind_ = Kind::kSequence;
  n.mark_ = m;
  return n;
}

Node Node::mapping(Mark m) {
  Node n;
  n.kind_ = Kind::kMapping;
  n.mark_ = m;
  return n;
}

const Node* Node::find(std::string_view key) const noexcept {
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Node::describe() const {
  switch (kind_) {
    case Kind::kNull: return "null";
    case Kind::kSequence: return "a sequence";
    case Kind::kMapping: return "a mapping";
    case Kind::kScalar: break;
  }
  if (text_.empty()) return "\"\"";
  return text_guard::shorten(text_, 60);
}

std::string Node::kind_name() const {
  switch (kind_) {
    case Kind::kNull: return "null";
    case Kind::kScalar: return "string";
    case Kind::kSequence: return "sequence";
    case Kind::kMapping: return "mapping";
  }
  return "unknown";
}

}  // namespace rwd::model
