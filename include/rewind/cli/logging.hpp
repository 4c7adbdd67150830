#pragma once
// Logs of the long-running commands (`rewind watch`, `rewind rollback`):
// spdlog, to stderr, as text (the default) or as JSON lines.
//
//   --log-format text   2025-03-14T09:26:53.123Z info  rewind: Docker Engine 24.0.7 at ...
//   --log-format json   {"time":"2025-03-14T09:26:53.123Z","level":"info","logger":"rewind",
//                        "message":"Docker Engine 24.0.7 at ..."}
//
// Times are RFC 3339 in UTC with milliseconds. A JSON line is one line
// whatever the message holds: quotes, backslashes, newlines and other control
// characters are escaped, and bytes that are not valid UTF-8 are replaced by
// U+FFFD, so every line parses as JSON.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/formatter.h>

namespace rwd::cli {

enum class LogFormat { kText, kJson };

struct LogOptions {
  LogFormat format = LogFormat::kText;
  spdlog::level::level_enum level = spdlog::level::info;
};

// "text" | "json"; nullopt otherwise.
std::optional<LogFormat> parse_log_format(std::string_view text);
// "trace" | "debug" | "info" | "warn" | "error" | "critical" | "off".
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text);
// The name a level has in both formats: "trace" .. "critical", "off".
std::string_view level_name(spdlog::level::level_enum level);

// One JSON log line (without the newline).
std::string json_log_line(std::chrono::system_clock::time_point time,
                          spdlog::level::level_enum level, std::string_view logger,
                          std::string_view message);

// The formatter of each format.
std::unique_ptr<spdlog::formatter> make_formatter(LogFormat format);

// Makes a logger named "rewind" the default one: `options` decide format and
// level; it writes to `sink`, stderr when null.
void setup_logging(const LogOptions& options, spdlog::sink_ptr sink = nullptr);

}  // namespace rwd::cli
