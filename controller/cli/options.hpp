#pragma once
// Internal: command-line parsing shared by the subcommands.

#include <boost/program_options.hpp>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "rewind/cli/logging.hpp"

namespace rwd::cli {

// Parses args into vm; on a usage error prints "rewind <command>: <what>" and
// a hint to --help to err and returns false.
bool parse_options(const std::vector<std::string>& args,
                   const boost::program_options::options_description& options,
                   const boost::program_options::positional_options_description& positional,
                   boost::program_options::variables_map& vm, const std::string& command,
                   std::ostream& err);

// --log-format and --log-level (both must be defined with defaults); on a
// bad value prints "rewind <command>: ..." to err and returns nullopt.
std::optional<LogOptions> parse_log_options(const boost::program_options::variables_map& vm,
                                            const std::string& command, std::ostream& err);

}  // namespace rwd::cli
