#pragma once
// Durations ("90s", "5m", "1h30m", "250ms") and RFC 3339 timestamps.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rwd::model {

using Duration = std::chrono::milliseconds;
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// Parses a Go-style duration: one or more <number><unit> parts with units
// ms, s, m, h (and d for days). Fractions are allowed ("1.5s"). Returns
// nullopt for anything else, including an empty string, a negative value
// or a value beyond 10 years.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest form that parses back to the same value: "1h30m", "90ms", "0s".
std::string format_duration(Duration d);

// RFC 3339 with "Z" or a numeric offset, optional fraction (kept to ms).
std::optional<Timestamp> parse_timestamp(std::string_view text);

// UTC, "Z", seconds precision unless milliseconds are non-zero.
std::string format_timestamp(Timestamp t);

}  // namespace rwd::model
