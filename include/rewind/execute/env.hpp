#pragma once
// The environment a revision sets on its containers: the variables of its
// envFiles (in order, later files win) overridden by config.env, as Docker
// Compose combines env_file and environment.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/revision.hpp"

namespace rwd::execute {

// KEY=VALUE lines; blank lines and lines starting with # are skipped; an
// `export ` prefix is allowed; a value in matching single or double quotes
// is unquoted. Malformed lines are reported (line number, never the value:
// env files hold secrets) and skipped.
std::map<std::string, std::string> parse_env_file(std::string_view text, const std::string& name,
                                                  std::vector<std::string>& problems);

std::map<std::string, std::string> effective_env(const model::ConfigSpec& config,
                                                 const model::EnvFileContents& files,
                                                 std::vector<std::string>& problems);

}  // namespace rwd::execute
