#include "rewind/model/expression.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace rwd::model {

namespace {

struct Op {
  std::string_view text;
  Comparator op;
};

// Two-character operators first, so ">=" never reads as ">".
constexpr std::array<Op, 6> kOps{{
    {">=", Comparator::kGreaterEqual},
    {"<=", Comparator::kLessEqual},
    {"==", Comparator::kEqual},
    {"!=", Comparator::kNotEqual},
    {">", Comparator::kGreater},
    {"<", Comparator::kLess},
}};

constexpr std::string_view kBaseline = "baseline";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void skip_spaces(std::string_view text, std::size_t& i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
}

// Length of a number at text[i]: -?(digits[.digits*]|.digits)([eE][+-]?digits)?
// 0 when there is none. from_chars alone would also take "inf" and "nan".
std::size_t number_length(std::string_view text, std::size_t i) {
  const std::size_t begin = i;
  if (i < text.size() && text[i] == '-') ++i;
  std::size_t mantissa_digits = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    mantissa_digits += i - from;
  };
  digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    digits();
  }
  if (mantissa_digits == 0) return 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    const std::size_t exponent_begin = j;
    while (j < text.size() && is_digit(text[j])) ++j;
    if (j == exponent_begin) return 0;
    i = j;
  }
  return i - begin;
}

}  // namespace

std::optional<Threshold> parse_threshold(std::string_view text) {
  Threshold t;
  std::size_t i = 0;
  skip_spaces(text, i);
  const Op* op = nullptr;
  for (const Op& candidate : kOps) {
    if (text.substr(i, candidate.text.size()) == candidate.text) {
      op = &candidate;
      break;
    }
  }
  if (op == nullptr) return std::nullopt;
  t.op = op->op;
  i += op->text.size();
  skip_spaces(text, i);

  const std::size_t len = number_length(text, i);
  if (len == 0) return std::nullopt;
  const char* first = text.data() + i;
  const auto [end, ec] = std::from_chars(first, first + len, t.value);
  if (ec != std::errc{} || end != first + len || !std::isfinite(t.value)) return std::nullopt;
  i += len;
  skip_spaces(text, i);

  if (i < text.size() && text[i] == 'x') {
    ++i;
    skip_spaces(text, i);
    if (text.substr(i, kBaseline.size()) != kBaseline) return std::nullopt;
    i += kBaseline.size();
    t.relative_to_baseline = true;
    skip_spaces(text, i);
  }
  if (i != text.size()) return std::nullopt;
  return t;
}

std::string format_threshold(const Threshold& t) {
  std::string out;
  for (const Op& op : kOps) {
    if (op.op == t.op) out = std::string(op.text);
  }
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), t.value);
  out += ' ';
  out.append(buf.data(), ec == std::errc{} ? end : buf.data());
  if (t.relative_to_baseline) out += "x baseline";
  return out;
}

bool threshold_matches(const Threshold& t, double measured, double baseline) {
  const double limit = t.relative_to_baseline ? t.value * baseline : t.value;
  switch (t.op) {
    case Comparator::kGreater: return measured > limit;
    case Comparator::kGreaterEqual: return measured >= limit;
    case Comparator::kLess: return measured < limit;
    case Comparator::kLessEqual: return measured <= limit;
    case Comparator::kEqual: return measured == limit;
    case Comparator::kNotEqual: return measured != limit;
  }
  return false;
}

}  // namespace rwd::model
