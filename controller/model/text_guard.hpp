#pragma once
// Internal to document.cpp: checks on raw text before a parser sees it, and
// small helpers for load errors.
//
// prescan_yaml() refuses, in one linear pass, what yaml-cpp 0.7 handles badly:
// bytes that are not UTF-8 or are control characters (yaml-cpp passes them
// into scalars unchecked), and flow collections nested deeper than
// Limits::max_depth (yaml-cpp tokenizes a deep flow collection in full before
// the first event). The flow count is an under-estimate by design: it only
// counts a '[' or '{' where YAML could open a collection, and skips comments,
// quoted scalars and block scalars, so valid documents within the limit are
// never refused; the tree builder's depth check stays the exact limit.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/document.hpp"

namespace rwd::model::text_guard {

// A limit or structural rule broken while building the tree.
class LimitError : public std::runtime_error {
 public:
  LimitError(Mark m, const std::string& message) : std::runtime_error(message), mark(m) {}
  Mark mark;
};

struct ScanProblem {
  std::size_t offset = 0;
  std::string message;
};

// Line starts of a text, to turn byte offsets into 1-based line/column.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }
  [[nodiscard]] Mark at(std::size_t offset) const {
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    const auto line = static_cast<std::size_t>(it - starts_.begin());  // >= 1
    return {static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
  }

 private:
  std::vector<std::size_t> starts_;
};

inline std::string with_position(const Mark& m, const std::string& message) {
  if (m.line <= 0) return message;
  return "line " + std::to_string(m.line) + ", column " + std::to_string(m.column) + ": " + message;
}

// A load error of document `document` at `mark`, the position in the message.
inline LoadError load_error(std::size_t document, Mark mark, const std::string& message) {
  LoadError e;
  e.document = document;
  e.mark = mark;
  e.message = with_position(mark, message);
  return e;
}

inline std::string too_large(std::size_t size, const Limits& limits) {
  return "the text is " + std::to_string(size) + " bytes, more than the limit of " +
         std::to_string(limits.max_file_bytes) + " bytes";
}

// Bytes of the UTF-8 sequence led by `lead` (1 for anything unexpected).
inline std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC2) return 2;
  return 1;
}

// At most `max_chars` characters of `s` for a message, control characters
// escaped, "…" when cut.
inline std::string shorten(std::string_view s, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    if (chars == max_chars) return out + "…";
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = std::min(utf8_length(c), s.size() - i);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

// True when the leading whitespace of the 0-based `line` holds a tab.
inline bool line_indented_with_tab(std::string_view text, std::size_t line) {
  std::size_t pos = 0;
  for (std::size_t l = 0; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) return false;
    ++pos;
  }
  for (; pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'); ++pos) {
    if (text[pos] == '\t') return true;
  }
  return false;
}

// 0-based index of the document of a multi-document stream that `offset`
// falls in: every "---" line opens a document, the first one only when some
// content came before it (then that content was document 0).
inline std::size_t document_at(std::string_view text, std::size_t offset) {
  std::size_t document = 0;
  bool content = false;
  for (std::size_t pos = 0; pos <= offset && pos < text.size();) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = text.substr(pos, end - pos);
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (line.substr(0, 3) == "---" &&
        (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r')) {
      if (content) ++document;
      content = true;
    } else if (first != std::string_view::npos && line[first] != '#' && line[0] != '%') {
      content = true;
    }
    pos = end + 1;
  }
  return document;
}

namespace detail {

inline std::string hex_byte(unsigned char b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return {'0', 'x', kDigits[b >> 4U], kDigits[b & 0xFU]};
}

// Well-formed UTF-8 without C0 controls (other than tab, LF, CR) and DEL.
inline std::optional<ScanProblem> check_encoding(std::string_view text) {
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
        return ScanProblem{i, "control character " + hex_byte(c) + " is not allowed"};
      }
      ++i;
      continue;
    }
    const std::size_t len = utf8_length(c);
    bool ok = len > 1 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0U) == 0x80U;
    }
    if (ok) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) &&  // overlong
           !(c == 0xED && c1 > 0x9F) &&  // surrogate
           !(c == 0xF0 && c1 < 0x90) &&  // overlong
           !(c == 0xF4 && c1 > 0x8F);    // beyond U+10FFFF
    }
    if (!ok) return ScanProblem{i, "invalid UTF-8 (byte " + hex_byte(c) + ")"};
    i += len;
  }
  return std::nullopt;
}

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Closing quote of the scalar opened at `open`, npos when unterminated.
inline std::size_t skip_quoted(std::string_view text, std::size_t open) {
  const char q = text[open];
  for (std::size_t j = open + 1; j < text.size(); ++j) {
    if (q == '"' && text[j] == '\\') {
      ++j;
    } else if (text[j] == q) {
      if (q == '\'' && j + 1 < text.size() && text[j + 1] == '\'') {
        ++j;  // '' is an escaped quote
      } else {
        return j;
      }
    }
  }
  return std::string_view::npos;
}

// Whether the '|' or '>' at `i` starts a block scalar header: indicators
// [-+1-9], then only blanks or a comment up to the end of the line.
inline bool block_scalar_header(std::string_view text, std::size_t i) {
  std::size_t j = i + 1;
  const auto indicator = [](char c) { return c == '-' || c == '+' || (c >= '1' && c <= '9'); };
  while (j < text.size() && indicator(text[j])) ++j;
  const std::size_t indicators_end = j;
  while (j < text.size() && is_blank(text[j])) ++j;
  if (j == text.size() || text[j] == '\n') return true;
  return text[j] == '#' && j > indicators_end;
}

// The '\n' before the first line after a block scalar's content (lines more
// indented than `parent_indent`, and blank lines); npos when it runs to the end.
inline std::size_t skip_block_scalar(std::string_view text, std::size_t i,
                                     std::size_t parent_indent) {
  std::size_t nl = text.find('\n', i);
  while (nl != std::string_view::npos) {
    std::size_t j = nl + 1;
    while (j < text.size() && text[j] == ' ') ++j;
    const std::size_t indent = j - (nl + 1);
    while (j < text.size() && is_blank(text[j])) ++j;
    const bool blank = j == text.size() || text[j] == '\n';
    if (!blank && indent <= parent_indent) return nl;
    nl = text.find('\n', j);
  }
  return std::string_view::npos;
}

// In block context, whether the token just read lets a node begin after it.
inline bool opens_node(std::string_view token) {
  if (token.empty()) return true;
  return token == "-" || token == "?" || token == "---" || token.back() == ':' ||
         token.front() == '&' || token.front() == '!';
}

inline std::optional<ScanProblem> check_flow_depth(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  std::size_t line_indent = 0;
  bool at_line_start = true;  // only indentation so far on this line
  bool node_start = true;     // block context: a node may begin at the next token
  bool space_before = true;   // the previous character was a blank or a line break
  char prev = '\n';
  std::size_t token_begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      at_line_start = node_start = space_before = true;
      line_indent = 0;
      prev = c;
      continue;
    }
    if (is_blank(c)) {
      if (at_line_start && c == ' ') ++line_indent;
      if (!space_before) node_start = opens_node(text.substr(token_begin, i - token_begin));
      space_before = true;
      prev = c;
      continue;
    }
    const bool blank_before = space_before;
    if (blank_before) token_begin = i;
    at_line_start = false;
    const bool starts_here = blank_before && (depth > 0 || node_start);
    space_before = false;
    switch (c) {
      case '#':
        if (blank_before) {
          const std::size_t nl = text.find('\n', i);
          if (nl == std::string_view::npos) return std::nullopt;
          i = nl - 1;
          space_before = true;
          continue;
        }
        break;
      case '"':
      case '\'':
        if (starts_here ||
            (depth > 0 && (prev == '[' || prev == '{' || prev == ',' || prev == ':'))) {
          const std::size_t close = skip_quoted(text, i);
          if (close == std::string_view::npos) return std::nullopt;  // the parser reports it
          i = close;
        }
        break;
      case '[':
      case '{':
        if (depth > 0 || starts_here) {
          if (++depth > max_depth) {
            return ScanProblem{
                i, "flow collections nested deeper than " + std::to_string(max_depth) + " levels"};
          }
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      case '|':
      case '>':
        if (depth == 0 && starts_here && block_scalar_header(text, i)) {
          const std::size_t nl = skip_block_scalar(text, i, line_indent);
          if (nl == std::string_view::npos) return std::nullopt;
          i = nl - 1;  // the loop goes on at the '\n'
          space_before = true;
          continue;
        }
        break;
      default: break;
    }
    prev = text[i];
  }
  return std::nullopt;
}

}  // namespace detail

inline std::optional<ScanProblem> prescan_yaml(std::string_view text, const Limits& limits) {
  if (auto p = detail::check_encoding(text)) return p;
  return detail::check_flow_depth(text, limits.max_depth);
}

}  // namespace rwd::model::text_guard
