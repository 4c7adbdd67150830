#pragma once
// --nginx-*: the traffic router of `rewind watch` and `rewind rollback`
// (blue-green's switch).

#include <filesystem>
#include <string>

namespace rwd::cli {

struct NginxOptions {
  std::filesystem::path upstream_dir;  // empty: no router
  // nginx on this host: its main configuration and the master's pid file.
  std::filesystem::path main_config;
  std::filesystem::path pid_file;
  std::string binary = "/usr/sbin/nginx";
  std::filesystem::path prefix;  // nginx -p; empty: nginx's own default
  // nginx in a container (the upstream directory bind-mounted into it).
  std::string container;
  bool operator==(const NginxOptions&) const = default;
};

}  // namespace rwd::cli
