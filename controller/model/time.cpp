// Go-style durations and RFC 3339 timestamps, without locale or libc time
// functions: civil dates use Howard Hinnant's days_from_civil algorithms.

#include "rewind/model/time.hpp"

#include <array>
#include <cstdint>
#include <numeric>
#include <string>

namespace rwd::model {

namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kMaxDurationMs =
    std::chrono::duration_cast<milliseconds>(std::chrono::years(10)).count();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// "ms" before "m", so the longest unit name matches.
constexpr std::array<Unit, 5> kUnits{{
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
}};

// Milliseconds of <int>.<frac> <unit>; nullopt when not a whole number of
// milliseconds or beyond the limit.
std::optional<std::int64_t> part_ms(std::string_view whole, std::string_view frac,
                                    std::int64_t unit) {
  std::int64_t value = 0;
  for (const char c : whole) {
    value = value * 10 + (c - '0');
    if (value > kMaxDurationMs) return std::nullopt;
  }
  if (value > kMaxDurationMs / unit) return std::nullopt;
  std::int64_t ms = value * unit;
  // frac * unit / 10^digits must be whole milliseconds.
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  if (frac.size() > 15) return std::nullopt;  // finer than any unit's millisecond
  std::int64_t numerator = 0;
  std::int64_t scale = 1;
  for (const char c : frac) {
    numerator = numerator * 10 + (c - '0');
    scale *= 10;
  }
  const std::int64_t g = std::gcd(unit, scale);
  if (numerator % (scale / g) != 0) return std::nullopt;
  ms += numerator / (scale / g) * (unit / g);
  return ms;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t whole_begin = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    const std::string_view whole = text.substr(whole_begin, i - whole_begin);
    std::string_view frac;
    if (i < text.size() && text[i] == '.') {
      const std::size_t frac_begin = ++i;
      while (i < text.size() && is_digit(text[i])) ++i;
      frac = text.substr(frac_begin, i - frac_begin);
    }
    if (whole.empty() && frac.empty()) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += unit->name.size();
    const auto ms = part_ms(whole, frac, unit->ms);
    if (!ms) return std::nullopt;
    total += *ms;
    if (total > kMaxDurationMs) return std::nullopt;
  }
  return Duration{total};
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  const std::int64_t hours = ms / 3'600'000;
  const std::int64_t minutes = ms / 60'000 % 60;
  const std::int64_t seconds = ms / 1000 % 60;
  const std::int64_t millis = ms % 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (seconds > 0 && millis > 0) {
    std::string frac = std::to_string(1000 + millis).substr(1);  // 3 digits
    while (frac.back() == '0') frac.pop_back();
    out += std::to_string(seconds) + "." + frac + "s";
  } else if (seconds > 0) {
    out += std::to_string(seconds) + "s";
  } else if (millis > 0) {
    out += std::to_string(millis) + "ms";
  }
  return out;
}

// ---- timestamps ------------------------------------------------------------

namespace {

// Parses exactly `n` digits at text[pos].
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

bool expect(std::string_view text, std::size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

void append_padded(std::string& out, std::int64_t v, int width) {
  std::string s = std::to_string(v);
  if (s.size() < static_cast<std::size_t>(width)) {
    out.append(static_cast<std::size_t>(width) - s.size(), '0');
  }
  out += s;
}

}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (!expect(text, 4, '-') || !expect(text, 7, '-') || !expect(text, 13, ':') ||
      !expect(text, 16, ':')) {
    return std::nullopt;
  }
  if (!expect(text, 10, 'T') && !expect(text, 10, 't')) return std::nullopt;

  const std::chrono::year_month_day ymd{std::chrono::year{*year},
                                        std::chrono::month{static_cast<unsigned>(*month)},
                                        std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (expect(text, pos, '.')) {
    const std::size_t begin = ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (pos - begin < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    const std::size_t n = pos - begin;
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t k = n; k < 3; ++k) millis *= 10;  // kept to ms: truncated
  }

  std::int64_t offset_minutes = 0;
  if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
    ++pos;
  } else if (expect(text, pos, '+') || expect(text, pos, '-')) {
    const bool negative = text[pos] == '-';
    const auto oh = digits(text, pos + 1, 2);
    const auto om = digits(text, pos + 4, 2);
    if (!oh || !om || !expect(text, pos + 3, ':') || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = (*oh * 60 + *om) * (negative ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const std::chrono::sys_days days{ymd};
  const auto local = std::chrono::time_point_cast<milliseconds>(days) + std::chrono::hours(*hour) +
                     std::chrono::minutes(*minute) + std::chrono::seconds(*second) +
                     milliseconds(millis);
  return Timestamp{local - std::chrono::minutes(offset_minutes)};
}

std::string format_timestamp(Timestamp t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::int64_t ms_of_day = (t - days).count();
  std::string out;
  out.reserve(24);
  append_padded(out, static_cast<int>(ymd.year()), 4);
  out += '-';
  append_padded(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  append_padded(out, static_cast<unsigned>(ymd.day()), 2);
  out += 'T';
  append_padded(out, ms_of_day / 3'600'000, 2);
  out += ':';
  append_padded(out, ms_of_day / 60'000 % 60, 2);
  out += ':';
  append_padded(out, ms_of_day / 1000 % 60, 2);
  if (const std::int64_t ms = ms_of_day % 1000; ms != 0) {
    out += '.';
    append_padded(out, ms, 3);
  }
  out += 'Z';
  return out;
}

}  // namespace rwd::model
