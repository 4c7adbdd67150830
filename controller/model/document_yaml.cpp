// Guarded YAML and JSON loading into the Node tree.
//
// yaml-cpp 0.7 (Debian bookworm) is only ever driven through its event parser:
// the tree is built here, so every limit is enforced while events arrive and a
// limit violation aborts the parse at once. Before yaml-cpp sees the text, a
// cheap pre-scan refuses what yaml-cpp handles badly (see text_guard.hpp).
// Known misbehaviour this file defends against, found by experiment:
//  - a stray ',' outside a flow collection (",", "[a], b") makes
//    HandleNextDocument return an endless series of empty documents at the
//    same position: refused by the progress check in load_yaml;
//  - invalid UTF-8 and control characters pass through into scalars: refused
//    by the pre-scan;
//  - deep flow nesting ("{a:" x 100000) is tokenized in full before the first
//    event, taking time and memory, and yaml-cpp's own recursion guard reports
//    it as "bad file": refused by the pre-scan's flow depth count;
//  - aliases are events, not copies; expanding them naively is a billion-laughs
//    bomb: expansion is counted before anything is copied.

#include <algorithm>
#include <cstdint>
#include <exception>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "rewind/model/document.hpp"

#include "text_guard.hpp"

namespace rwd::model {
namespace {

using text_guard::LimitError;

Mark to_mark(const YAML::Mark& m) {
  if (m.is_null() || m.line < 0 || m.column < 0) return {};
  return {m.line + 1, m.column + 1};
}

// Copies `n` with `m` as the mark of its root: an expanded alias reports the
// alias's position, its inner nodes the anchored ones.
Node relocated(const Node& n, Mark m) {
  switch (n.kind()) {
    case Node::Kind::kNull: return Node::null(m);
    case Node::Kind::kScalar: return Node::scalar(n.text(), n.plain(), m);
    case Node::Kind::kSequence: {
      Node out = Node::sequence(m);
      for (const auto& item : n.items()) out.push_back(item);
      return out;
    }
    case Node::Kind::kMapping: {
      Node out = Node::mapping(m);
      for (const auto& [k, v] : n.entries()) out.add(k, v);
      return out;
    }
  }
  return Node::null(m);
}

// Builds one document's tree from parser events, enforcing Limits.
//
// A broken limit is thrown as LimitError at once: it unwinds through yaml-cpp
// and is caught in load_yaml. A structural problem (duplicate key, a key that
// is not a string) is kept until the document ends and thrown then, so that a
// syntax error yaml-cpp finds later in the same document is the one reported:
// "{," is an unclosed '{', not a null key.
class TreeBuilder final : public YAML::EventHandler {
 public:
  explicit TreeBuilder(const Limits& limits) : limits_(limits) {}

  // Hands out the finished document, if any.
  std::optional<Node> take_root() { return std::exchange(root_, std::nullopt); }

  [[nodiscard]] const YAML::Mark& document_start() const noexcept { return document_start_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_start_ = mark;
    stack_.clear();
    anchors_.clear();
    anchor_names_.clear();
    root_.reset();
    deferred_.reset();
  }

  void OnDocumentEnd() override {
    if (deferred_) throw *deferred_;
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const Mark m = to_mark(mark);
    count_nodes(1, m);
    if (expecting_key()) {
      defer(m, "a mapping key is empty or null; keys must be strings");
      placeholder_key();
      return;
    }
    complete(Node::null(m), anchor, 1, 0);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const Mark m = to_mark(mark);
    if (++aliases_ > limits_.max_aliases) {
      throw LimitError{m, "more than " + std::to_string(limits_.max_aliases) + " aliases"};
    }
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      throw LimitError{m, "alias *" + anchor_name(anchor) +
                              " refers to a node that contains it (recursive alias)"};
    }
    const Anchored& target = it->second;
    if (stack_.size() + target.height > limits_.max_depth) {
      throw LimitError{m, "alias *" + anchor_name(anchor) + " nests deeper than " +
                              std::to_string(limits_.max_depth) + " levels when expanded"};
    }
    if (target.size > limits_.max_nodes - std::min(nodes_, limits_.max_nodes)) {
      throw LimitError{m, "more than " + std::to_string(limits_.max_nodes) +
                              " nodes after expanding alias *" + anchor_name(anchor)};
    }
    nodes_ += target.size;
    if (expecting_key()) {
      if (target.node.is_scalar()) {
        set_key(target.node.text(), m);
      } else {
        defer(m, "alias *" + anchor_name(anchor) +
                     " used as a mapping key is not a string; keys must be strings");
        placeholder_key();
      }
      return;
    }
    complete(relocated(target.node, m), 0, target.size, target.height);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const Mark m = to_mark(mark);
    if (value.size() > limits_.max_scalar_bytes) {
      throw LimitError{m, "a scalar of " + std::to_string(value.size()) +
                              " bytes is longer than the limit of " +
                              std::to_string(limits_.max_scalar_bytes) + " bytes"};
    }
    count_nodes(1, m);
    // "?" is yaml-cpp's tag for a plain, untagged scalar; quoted and block
    // scalars carry "!", explicitly tagged ones their tag.
    Node n = Node::scalar(value, tag == "?", m);
    if (expecting_key()) {
      remember_anchor(anchor, n, 1, 0);
      set_key(value, m);
      return;
    }
    complete(std::move(n), anchor, 1, 0);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(Node::sequence(to_mark(mark)), anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(Node::mapping(to_mark(mark)), anchor);
  }
  void OnMapEnd() override { close(); }

  void OnAnchor(const YAML::Mark& /*mark*/, const std::string& name) override {
    pending_anchor_name_ = name;
  }

 private:
  struct Frame {
    Node node;
    YAML::anchor_t anchor = 0;
    bool is_key = false;  // a collection in a key's place: refused at the document end
    std::size_t nodes_at_start = 0;
    std::size_t child_height = 0;
    std::optional<std::string> key;              // mappings: key read, value pending
    std::unordered_map<std::string, Mark> keys;  // mappings: keys seen so far
  };

  struct Anchored {
    Node node;
    std::size_t size = 0;    // nodes, aliases expanded
    std::size_t height = 0;  // collection levels: 0 for a scalar
  };

  [[nodiscard]] bool expecting_key() const {
    return !stack_.empty() && stack_.back().node.is_mapping() && !stack_.back().key;
  }

  [[nodiscard]] std::string anchor_name(YAML::anchor_t anchor) const {
    const auto it = anchor_names_.find(anchor);
    return it == anchor_names_.end() ? std::to_string(anchor) : it->second;
  }

  void defer(const Mark& m, const std::string& message) {
    if (!deferred_) deferred_.emplace(m, message);
  }

  void count_nodes(std::size_t n, const Mark& m) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes) {
      throw LimitError{m, "more than " + std::to_string(limits_.max_nodes) + " nodes"};
    }
  }

  void set_key(const std::string& key, const Mark& m) {
    Frame& f = stack_.back();
    const auto [it, inserted] = f.keys.emplace(key, m);
    if (!inserted) {
      std::string msg = "duplicate key \"" + text_guard::shorten(key, 60) + "\"";
      if (it->second.line > 0) msg += " (first at line " + std::to_string(it->second.line) + ")";
      defer(m, msg);
    }
    f.key = key;
  }

  // Stands in for a refused key, so the rest of the document still parses.
  void placeholder_key() { stack_.back().key = std::string(); }

  void open(Node n, YAML::anchor_t anchor) {
    const Mark m = n.mark();
    if (stack_.size() + 1 > limits_.max_depth) {
      throw LimitError{m, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels"};
    }
    count_nodes(1, m);
    Frame f;
    f.is_key = expecting_key();
    if (f.is_key) {
      defer(m, std::string("a mapping key is ") + (n.is_mapping() ? "a mapping" : "a sequence") +
                   "; keys must be strings");
    }
    f.node = std::move(n);
    f.anchor = anchor;
    f.nodes_at_start = nodes_ - 1;
    if (anchor != 0) anchor_names_[anchor] = std::exchange(pending_anchor_name_, {});
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    const std::size_t size = nodes_ - f.nodes_at_start;
    const std::size_t height = f.child_height + 1;
    if (f.anchor != 0) anchors_[f.anchor] = Anchored{f.node, size, height};
    if (f.is_key) {
      placeholder_key();
      return;
    }
    attach(std::move(f.node), height);
  }

  void remember_anchor(YAML::anchor_t anchor, const Node& n, std::size_t size, std::size_t height) {
    if (anchor == 0) return;
    anchor_names_[anchor] = std::exchange(pending_anchor_name_, {});
    anchors_[anchor] = Anchored{n, size, height};
  }

  // A scalar, null or expanded alias is complete.
  void complete(Node n, YAML::anchor_t anchor, std::size_t size, std::size_t height) {
    remember_anchor(anchor, n, size, height);
    attach(std::move(n), height);
  }

  void attach(Node n, std::size_t height) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return;
    }
    Frame& parent = stack_.back();
    parent.child_height = std::max(parent.child_height, height);
    if (parent.node.is_sequence()) {
      parent.node.push_back(std::move(n));
    } else {
      parent.node.add(std::move(*parent.key), std::move(n));
      parent.key.reset();
    }
  }

  const Limits& limits_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::unordered_map<YAML::anchor_t, std::string> anchor_names_;
  std::string pending_anchor_name_;
  std::optional<Node> root_;
  std::optional<LimitError> deferred_;
  YAML::Mark document_start_;
  std::size_t nodes_ = 0;    // whole stream, aliases expanded
  std::size_t aliases_ = 0;  // whole stream
};

// yaml-cpp's messages are terse; add what helps a person find the mistake.
std::string explain(const std::string& msg, std::string_view text, const YAML::Mark& mark) {
  std::string out = msg;
  if (msg == "end of map flow not found") {
    out += " (a '{' is not closed by '}')";
  } else if (msg == "end of sequence flow not found") {
    out += " (a '[' is not closed by ']')";
  } else if (msg == "the referenced anchor is not defined") {
    out = "an alias refers to an anchor that is not defined";
  }
  if (mark.line >= 0 &&
      text_guard::line_indented_with_tab(text, static_cast<std::size_t>(mark.line))) {
    out += " (tabs cannot indent YAML; use spaces)";
  }
  return out;
}

}  // namespace

LoadedDocuments load_yaml(std::string_view text, const Limits& limits) {
  LoadedDocuments out;
  if (text.size() > limits.max_file_bytes) {
    out.errors.push_back(text_guard::load_error(0, {}, text_guard::too_large(text.size(), limits)));
    return out;
  }
  const text_guard::LineIndex lines(text);
  if (auto problem = text_guard::prescan_yaml(text, limits)) {
    out.errors.push_back(text_guard::load_error(text_guard::document_at(text, problem->offset),
                                                lines.at(problem->offset), problem->message));
    return out;
  }

  std::size_t document = 0;
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    TreeBuilder builder(limits);
    std::optional<int> last_start;
    while (parser.HandleNextDocument(builder)) {
      // On a stray ',' outside a flow collection yaml-cpp 0.7 returns empty
      // documents forever, all starting at the same position.
      if (last_start && *last_start == builder.document_start().pos) {
        const auto pos = static_cast<std::size_t>(std::max(0, *last_start));
        const char c = pos < text.size() ? text[pos] : ' ';
        std::string msg = "unexpected '" + std::string(1, c) + "'";
        if (c == ',') msg += " outside a flow collection";
        out.errors.push_back(text_guard::load_error(document - 1, lines.at(pos), msg));
        return out;
      }
      last_start = builder.document_start().pos;
      auto root = builder.take_root();
      if (document + 1 > limits.max_documents) {
        out.errors.push_back(text_guard::load_error(
            document, to_mark(builder.document_start()),
            "more than " + std::to_string(limits.max_documents) + " documents"));
        return out;
      }
      if (root && !root->is_null()) out.documents.push_back(std::move(*root));
      ++document;
    }
  } catch (const LimitError& e) {
    out.errors.push_back(text_guard::load_error(document, e.mark, e.what()));
  } catch (const YAML::Exception& e) {
    out.errors.push_back(
        text_guard::load_error(document, to_mark(e.mark), explain(e.msg, text, e.mark)));
  } catch (const std::exception& e) {
    out.errors.push_back(
        text_guard::load_error(document, {}, std::string("cannot load YAML: ") + e.what()));
  }
  return out;
}

}  // namespace rwd::model
