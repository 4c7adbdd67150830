#pragma once
// Internal: the traffic router of `rewind watch` and `rewind rollback`
// (blue-green's switch), from the --nginx-* options.

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <boost/program_options.hpp>

#include "rewind/cli/nginx_options.hpp"
#include "rewind/execute/executor.hpp"
#include "rewind/http/endpoint.hpp"
#include "rewind/router/router.hpp"

namespace rwd::cli {

void add_router_options(boost::program_options::options_description& o);

// The options given, checked for combinations that cannot work (a message
// on `err` naming the option, and false).
bool read_router_options(const boost::program_options::variables_map& vm,
                         const std::string& command, std::ostream& err, NginxOptions& out);

// The router the options describe: nginx on this host, or in a container
// reached through the Docker Engine at `docker`. nullptr router when no
// --nginx-upstream-dir was given.
struct ConfiguredRouter {
  std::unique_ptr<router::TrafficRouter> router;
  bool on_network = false;
};
model::Result<ConfiguredRouter> make_router(const NginxOptions& options,
                                            const http::Endpoint& docker);

}  // namespace rwd::cli
