#pragma once
// A parsed YAML or JSON document as a plain tree, with the position of every
// node. Resource decoding works on this tree, so YAML and JSON input share one
// decoder and every error can name a line.
//
// Loading is guarded: the Debian yaml-cpp (0.7) expands aliases while walked
// and can loop forever on some malformed input, so the loader drives yaml-cpp's
// event parser itself and enforces Limits while it builds the tree.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rewind/model/result.hpp"

namespace rwd::model {

struct Mark {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  bool operator==(const Mark&) const = default;
};

class Node {
 public:
  enum class Kind { kNull, kScalar, kSequence, kMapping };

  Node() = default;
  static Node null(Mark m = {});
  // plain: a YAML plain scalar, or a JSON number/bool. Quoted YAML scalars and
  // JSON strings are not plain, so "7" in quotes never reads as a number.
  static Node scalar(std::string text, bool plain, Mark m = {});
  static Node sequence(Mark m = {});
  static Node mapping(Mark m = {});

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_null() const noexcept { return kind_ == Kind::kNull; }
  [[nodiscard]] bool is_scalar() const noexcept { return kind_ == Kind::kScalar; }
  [[nodiscard]] bool is_sequence() const noexcept { return kind_ == Kind::kSequence; }
  [[nodiscard]] bool is_mapping() const noexcept { return kind_ == Kind::kMapping; }
  [[nodiscard]] const Mark& mark() const noexcept { return mark_; }

  // Scalars.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] bool plain() const noexcept { return plain_; }

  // Sequences.
  [[nodiscard]] const std::vector<Node>& items() const noexcept { return items_; }
  void push_back(Node n) { items_.push_back(std::move(n)); }

  // Mappings, in document order. Keys are unique (the loader refuses duplicates).
  [[nodiscard]] const std::vector<std::pair<std::string, Node>>& entries() const noexcept {
    return entries_;
  }
  void add(std::string key, Node value) { entries_.emplace_back(std::move(key), std::move(value)); }
  [[nodiscard]] const Node* find(std::string_view key) const noexcept;

  // A short rendering of the value for error messages: scalars as written
  // (cut at 60 characters), collections as "a mapping" / "a sequence".
  [[nodiscard]] std::string describe() const;

  // Kind name for messages: "null", "string", "sequence", "mapping".
  [[nodiscard]] std::string kind_name() const;

 private:
  Kind kind_ = Kind::kNull;
  Mark mark_;
  std::string text_;
  bool plain_ = false;
  std::vector<Node> items_;
  std::vector<std::pair<std::string, Node>> entries_;
};

struct Limits {
  std::size_t max_file_bytes = 1024 * 1024;
  std::size_t max_documents = 64;
  std::size_t max_depth = 64;
  std::size_t max_aliases = 100;
  std::size_t max_nodes = 100'000;  // after alias expansion
  std::size_t max_scalar_bytes = 256 * 1024;
};

// One problem found while loading text. document is the 0-based index of the
// document in a multi-document stream (0 for JSON).
struct LoadError {
  std::size_t document = 0;
  Mark mark;
  std::string message;
};

struct LoadedDocuments {
  std::vector<Node> documents;    // empty documents ("---" alone) are left out
  std::vector<LoadError> errors;  // empty on success
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

// YAML 1.2 stream with any number of documents (up to limits.max_documents).
// Never throws, never hangs: every failure is a LoadError.
LoadedDocuments load_yaml(std::string_view text, const Limits& limits = {});

// A single JSON value (an object or an array of objects is up to the caller).
LoadedDocuments load_json(std::string_view text, const Limits& limits = {});

}  // namespace rwd::model
