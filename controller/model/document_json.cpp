// Guarded JSON loading into the Node tree: nlohmann's SAX parser drives a
// builder that enforces the same Limits as the YAML loader.

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

#include <nlohmann/json.hpp>

#include "rewind/model/document.hpp"

#include "text_guard.hpp"

namespace rwd::model {
namespace {

// An iterator over the text that counts the bytes nlohmann's lexer has read,
// so a SAX callback can find the token it is called for.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, std::size_t* read) : p_(p), read_(read) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    ++*read_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return p_ == other.p_; }

 private:
  const char* p_;
  std::size_t* read_;
};

bool is_word_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
         c == '-' || c == '.';
}

using Json = nlohmann::json;

// Builds the tree from nlohmann's SAX events, enforcing Limits. Returning
// false from a callback stops the parser.
class JsonTreeBuilder final : public nlohmann::json_sax<Json> {
 public:
  JsonTreeBuilder(std::string_view text, const Limits& limits)
      : text_(text), lines_(text), limits_(limits) {}

  std::size_t* read_counter() { return &read_; }
  std::optional<Node>& root() { return root_; }
  std::optional<LoadError>& error() { return error_; }

  bool null() override { return value(Node::null(mark_of(word_token().first))); }
  bool boolean(bool v) override {
    return value(Node::scalar(v ? "true" : "false", true, mark_of(word_token().first)));
  }
  bool number_integer(number_integer_t v) override { return number(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(std::to_string(v)); }
  bool number_float(number_float_t /*v*/, const string_t& raw) override { return number(raw); }

  bool string(string_t& v) override {
    if (!scalar_fits(v)) return false;
    return value(Node::scalar(std::move(v), false, mark_of(string_token())));
  }

  bool binary(binary_t& /*v*/) override {  // not produced by JSON text
    return fail(Mark{}, "binary values are not supported");
  }

  bool start_object(std::size_t /*elements*/) override {
    return open(Node::mapping(mark_of(read_ > 0 ? read_ - 1 : kUnknown)));
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t /*elements*/) override {
    return open(Node::sequence(mark_of(read_ > 0 ? read_ - 1 : kUnknown)));
  }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    const Mark m = mark_of(string_token());
    if (!scalar_fits(k) || !count(m)) return false;
    Frame& f = stack_.back();
    const auto [it, inserted] = f.keys.emplace(k, m);
    if (!inserted) {
      std::string msg = "duplicate key \"" + text_guard::shorten(k, 60) + "\"";
      if (it->second.line > 0) msg += " (first at line " + std::to_string(it->second.line) + ")";
      return fail(m, msg);
    }
    f.key = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    // what(): "[json.exception.parse_error.101] parse error at line 1, column 2: <detail>"
    std::string detail = ex.what();
    if (const auto at = detail.find("parse error"); at != std::string::npos) {
      if (const auto colon = detail.find(": ", at); colon != std::string::npos) {
        detail = detail.substr(colon + 2);
      }
    }
    const std::size_t offset = std::min(position > 0 ? position - 1 : 0, text_.size());
    return fail(lines_.at(offset), detail + " (byte " + std::to_string(position) + ")");
  }

 private:
  static constexpr std::size_t kUnknown = static_cast<std::size_t>(-1);

  struct Frame {
    Node node;
    std::optional<std::string> key;
    std::unordered_map<std::string, Mark> keys;
  };

  [[nodiscard]] Mark mark_of(std::size_t offset) const {
    return offset < text_.size() ? lines_.at(offset) : Mark{};
  }

  // [begin, end) of the number or literal just read. The lexer may have read
  // one character past a number.
  [[nodiscard]] std::pair<std::size_t, std::size_t> word_token() const {
    std::size_t end = std::min(read_, text_.size());
    if (end > 0 && !is_word_char(text_[end - 1])) --end;
    std::size_t begin = end;
    while (begin > 0 && is_word_char(text_[begin - 1])) --begin;
    if (begin == end) return {kUnknown, kUnknown};
    return {begin, end};
  }

  // Offset of the opening quote of the string just read.
  [[nodiscard]] std::size_t string_token() const {
    if (read_ == 0 || read_ > text_.size() || text_[read_ - 1] != '"') return kUnknown;
    for (std::size_t i = read_ - 1; i-- > 0;) {
      if (text_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (backslashes < i && text_[i - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return kUnknown;
  }

  bool number(std::string fallback) {
    const auto [begin, end] = word_token();
    std::string raw =
        begin == kUnknown ? std::move(fallback) : std::string(text_.substr(begin, end - begin));
    return value(Node::scalar(std::move(raw), true, mark_of(begin)));
  }

  bool fail(Mark m, const std::string& message) {
    if (!error_) error_ = LoadError{0, m, text_guard::with_position(m, message)};
    return false;
  }

  bool count(const Mark& m) {
    if (++nodes_ > limits_.max_nodes) {
      return fail(m, "more than " + std::to_string(limits_.max_nodes) + " nodes");
    }
    return true;
  }

  bool scalar_fits(const std::string& s) {
    if (s.size() <= limits_.max_scalar_bytes) return true;
    return fail(mark_of(string_token()), "a string of " + std::to_string(s.size()) +
                                             " bytes is longer than the limit of " +
                                             std::to_string(limits_.max_scalar_bytes) + " bytes");
  }

  bool open(Node n) {
    const Mark m = n.mark();
    if (stack_.size() + 1 > limits_.max_depth) {
      return fail(m, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    if (!count(m)) return false;
    stack_.push_back(Frame{std::move(n), std::nullopt, {}});
    return true;
  }

  bool close() {
    Node n = std::move(stack_.back().node);
    stack_.pop_back();
    return attach(std::move(n));
  }

  bool value(Node n) {
    if (!count(n.mark())) return false;
    return attach(std::move(n));
  }

  bool attach(Node n) {
    if (stack_.empty()) {
      root_ = std::move(n);
    } else if (Frame& parent = stack_.back(); parent.node.is_sequence()) {
      parent.node.push_back(std::move(n));
    } else {
      parent.node.add(std::move(*parent.key), std::move(n));
      parent.key.reset();
    }
    return true;
  }

  std::string_view text_;
  text_guard::LineIndex lines_;
  const Limits& limits_;
  std::size_t read_ = 0;
  std::vector<Frame> stack_;
  std::optional<Node> root_;
  std::optional<LoadError> error_;
  std::size_t nodes_ = 0;
};

}  // namespace

LoadedDocuments load_json(std::string_view text, const Limits& limits) {
  LoadedDocuments out;
  if (text.size() > limits.max_file_bytes) {
    out.errors.push_back(text_guard::load_error(0, {}, text_guard::too_large(text.size(), limits)));
    return out;
  }
  try {
    JsonTreeBuilder builder(text, limits);
    const CountingIterator first(text.data(), builder.read_counter());
    const CountingIterator last(text.data() + text.size(), builder.read_counter());
    const bool ok = Json::sax_parse(first, last, &builder, nlohmann::detail::input_format_t::json,
                                    /*strict=*/true, /*ignore_comments=*/false);
    if (builder.error()) {
      out.errors.push_back(std::move(*builder.error()));
    } else if (!ok || !builder.root()) {
      out.errors.push_back(text_guard::load_error(0, {}, "cannot parse JSON"));
    } else {
      out.documents.push_back(std::move(*builder.root()));
    }
  } catch (const std::exception& e) {
    out.errors.push_back(
        text_guard::load_error(0, {}, std::string("cannot parse JSON: ") + e.what()));
  }
  return out;
}

}  // namespace rwd::model
