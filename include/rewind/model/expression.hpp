#pragma once
// failIf / warnIf expressions: "> 0.05", "<= 200", "> 3x baseline".

#include <optional>
#include <string>
#include <string_view>

namespace rwd::model {

enum class Comparator { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

struct Threshold {
  Comparator op = Comparator::kGreater;
  double value = 0;
  // "> 3x baseline": the measured value is compared with value * baseline,
  // where baseline is the same query measured on the stable revision.
  bool relative_to_baseline = false;

  bool operator==(const Threshold&) const = default;
};

// Parses an expression; nullopt when it is not of the form
// <op> <number> or <op> <number>x baseline, op one of > >= < <= == !=.
std::optional<Threshold> parse_threshold(std::string_view text);

// Canonical text form, parses back to the same Threshold.
std::string format_threshold(const Threshold& t);

// True when `measured` meets the condition (i.e. the failIf fires).
// baseline is only read when relative_to_baseline is set.
bool threshold_matches(const Threshold& t, double measured, double baseline = 0);

}  // namespace rwd::model
