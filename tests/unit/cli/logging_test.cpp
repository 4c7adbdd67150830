// --log-format json: one JSON object per line with time, level, logger and
// message, whatever the message holds; --log-format text; --log-level.

#include "rewind/cli/logging.hpp"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "rewind/model/time.hpp"

namespace rwd::cli {
namespace {

using ::testing::MatchesRegex;

std::chrono::system_clock::time_point at(const char* text) {
  return std::chrono::system_clock::time_point(*model::parse_timestamp(text));
}

// Every byte of a JSON line is printable ASCII or part of valid UTF-8 text:
// in particular no raw newline or other control character.
void expect_single_clean_line(const std::string& line) {
  for (const char c : line) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20U) << "raw control character in " << line;
  }
}

TEST(JsonLogLine, FieldsAndRfc3339UtcMilliseconds) {
  const std::string line =
      json_log_line(at("2025-03-14T09:26:53.007Z"), spdlog::level::warn, "rewind", "disk full");
  EXPECT_EQ(
      line,
      R"({"time":"2025-03-14T09:26:53.007Z","level":"warn","logger":"rewind","message":"disk full"})");
}

TEST(JsonLogLine, EscapesQuotesNewlinesAndControlCharacters) {
  const std::string message = "he said \"stop\"\\ now\nsecond line\r\ttab\x01\x1f end \xc3\xbc";
  const std::string line =
      json_log_line(at("2025-03-14T09:26:53Z"), spdlog::level::err, "rewind \"x\"", message);
  expect_single_clean_line(line);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["message"], message) << "decodes back to the same text";
  EXPECT_EQ(j["logger"], "rewind \"x\"");
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["time"], "2025-03-14T09:26:53.000Z");
  EXPECT_THAT(line, ::testing::HasSubstr(R"(\"stop\"\\ now\nsecond line\r\ttab\u0001\u001f end)"));
}

TEST(JsonLogLine, InvalidUtf8IsReplacedNotDropped) {
  const std::string message = std::string("bad \xff\xfe bytes \xc3 and a cut ") + "\xe2\x82";
  const std::string line =
      json_log_line(at("2025-03-14T09:26:53Z"), spdlog::level::info, "rewind", message);
  expect_single_clean_line(line);
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
  const std::string decoded = j["message"];
  EXPECT_THAT(decoded, ::testing::StartsWith("bad "));
  EXPECT_THAT(decoded, ::testing::HasSubstr(" bytes "));
  EXPECT_THAT(decoded, ::testing::HasSubstr("\xef\xbf\xbd")) << "U+FFFD";
  EXPECT_EQ(decoded.find('\xff'), std::string::npos);
}

TEST(LogOptions, ParseFormatsAndLevels) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::kText);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_FALSE(parse_log_format("JSON").has_value());
  EXPECT_EQ(parse_log_level("trace"), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("off"), spdlog::level::off);
  EXPECT_FALSE(parse_log_level("warning").has_value());
  EXPECT_EQ(level_name(spdlog::level::critical), "critical");
}

// setup_logging() replaces the default logger; the fixture puts it back.
class SetupLogging : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = spdlog::default_logger(); }
  void TearDown() override { spdlog::set_default_logger(previous_); }
  spdlog::sink_ptr sink() { return std::make_shared<spdlog::sinks::ostream_sink_mt>(out_); }

  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST_F(SetupLogging, JsonLinesThroughSpdlog) {
  setup_logging({LogFormat::kJson, spdlog::level::info}, sink());
  spdlog::debug("not shown");
  spdlog::info("step \"{}\" done\nnext", "health");
  spdlog::warn("{}", std::string("x\xff"));
  std::istringstream in(out_.str());
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    expect_single_clean_line(line);
    lines.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(lines.size(), 2U) << out_.str();
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["logger"], "rewind");
  EXPECT_EQ(lines[0]["message"], "step \"health\" done\nnext");
  EXPECT_THAT(lines[0]["time"].get<std::string>(),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
  EXPECT_EQ(lines[1]["level"], "warn");
  EXPECT_EQ(lines[1]["message"], "x\xef\xbf\xbd");
}

TEST_F(SetupLogging, TextLinesWithUtcTimeLevelAndLogger) {
  setup_logging({LogFormat::kText, spdlog::level::warn}, sink());
  spdlog::info("not shown");
  spdlog::error("cannot reach {}", "dockerd");
  EXPECT_THAT(out_.str(),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                           "error rewind: cannot reach dockerd\n"));
}

}  // namespace
}  // namespace rwd::cli
