#include "rewind/cli/logging.hpp"

#include <array>
#include <ctime>

#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace rwd::cli {
namespace {

constexpr std::array<std::string_view, 7> kLevelNames = {"trace", "debug",    "info", "warn",
                                                         "error", "critical", "off"};

std::string rfc3339_utc_ms(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const auto whole = std::chrono::floor<std::chrono::seconds>(ms);
  const auto secs = static_cast<std::time_t>(whole.count());
  const auto millis = static_cast<int>(ms.count() - static_cast<std::int64_t>(secs) * 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  std::array<char, 40> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::array<char, 8> frac{};
  std::snprintf(frac.data(), frac.size(), ".%03dZ", millis);
  return std::string(buf.data(), n) + frac.data();
}

// %L in the text pattern: the level as level_name() spells it.
class LevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    const std::string_view name = level_name(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  [[nodiscard]] std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<LevelFlag>();
  }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string line = json_log_line(
        msg.time, msg.level, std::string_view(msg.logger_name.data(), msg.logger_name.size()),
        std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == text) return static_cast<spdlog::level::level_enum>(i);
  }
  return std::nullopt;
}

std::string_view level_name(spdlog::level::level_enum level) {
  const auto i = static_cast<std::size_t>(level);
  return i < kLevelNames.size() ? kLevelNames[i] : "unknown";
}

std::string json_log_line(std::chrono::system_clock::time_point time,
                          spdlog::level::level_enum level, std::string_view logger,
                          std::string_view message) {
  nlohmann::ordered_json j;
  j["time"] = rfc3339_utc_ms(time);
  j["level"] = level_name(level);
  j["logger"] = logger;
  j["message"] = message;
  // replace: invalid UTF-8 becomes U+FFFD instead of an exception.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::unique_ptr<spdlog::formatter> make_formatter(LogFormat format) {
  if (format == LogFormat::kJson) return std::make_unique<JsonFormatter>();
  auto text = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  text->add_flag<LevelFlag>('L').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %L %n: %v");
  return text;
}

void setup_logging(const LogOptions& options, spdlog::sink_ptr sink) {
  if (!sink) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(make_formatter(options.format));
  auto logger = std::make_shared<spdlog::logger>("rewind", std::move(sink));
  logger->set_level(options.level);
  logger->flush_on(spdlog::level::trace);  // every line, in order with the command's output
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace rwd::cli
