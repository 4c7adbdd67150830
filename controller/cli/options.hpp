#pragma once
// Internal: command-line parsing shared by the subcommands.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "rewind/cli/logging.hpp"
#include "rewind/model/time.hpp"

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

// --resync (defined with a default): a positive duration; on a bad value
// prints "rewind <command>: --resync ..." to err and returns nullopt.
std::optional<model::Duration> parse_resync(const boost::program_options::variables_map& vm,
                                            const std::string& command, std::ostream& err);

}  // namespace rwd::cli
