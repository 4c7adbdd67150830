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
    err << "rewind " << command << ": " << e.what() << " (see rewind " << command
        << " --help)\n";
    return false;
  }
  return true;
}

}  // namespace rwd::cli
