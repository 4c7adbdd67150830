#include "options.hpp"

#include <ostream>

namespace rwd::cli {
namespace po = boost::program_options;

bool parse_options(const std::vector<std::string>& args, const po::options_description& options,
                   const po::positional_options_description& positional, po::variables_map& vm,
                   const std::string& command, std::ostream& err) {
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "rewind " << command << ": " << e.what() << " (see rewind " << command << " --help)\n";
    return false;
  }
  return true;
}

std::optional<LogOptions> parse_log_options(const po::variables_map& vm, const std::string& command,
                                            std::ostream& err) {
  const std::string format_text = vm["log-format"].as<std::string>();
  const std::string level_text = vm["log-level"].as<std::string>();
  const auto format = parse_log_format(format_text);
  if (!format) {
    err << "rewind " << command << ": --log-format \"" << format_text
        << "\" is not one of text, json (see rewind " << command << " --help)\n";
    return std::nullopt;
  }
  const auto level = parse_log_level(level_text);
  if (!level) {
    err << "rewind " << command << ": --log-level \"" << level_text
        << "\" is not one of trace, debug, info, warn, error, critical, off (see rewind " << command
        << " --help)\n";
    return std::nullopt;
  }
  return LogOptions{*format, *level};
}

std::optional<model::Duration> parse_resync(const po::variables_map& vm, const std::string& command,
                                            std::ostream& err) {
  const std::string text = vm["resync"].as<std::string>();
  const auto resync = model::parse_duration(text);
  if (!resync || resync->count() <= 0) {
    err << "rewind " << command << ": --resync \"" << text
        << "\" is not a positive duration (examples: 10s, 1m)\n";
    return std::nullopt;
  }
  return *resync;
}

}  // namespace rwd::cli
