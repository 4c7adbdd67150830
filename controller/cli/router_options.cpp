#include "router_options.hpp"

#include <spdlog/spdlog.h>

#include "rewind/docker/client.hpp"
#include "rewind/docker/container_nginx.hpp"
#include "rewind/http/client.hpp"
#include "rewind/router/nginx_control.hpp"
#include "rewind/router/nginx_router.hpp"

namespace rwd::cli {

namespace po = boost::program_options;

void add_router_options(po::options_description& o) {
  o.add_options()(
      "nginx-upstream-dir", po::value<std::string>()->value_name("DIR"),
      "blue-green: rewind writes one nginx upstream file per Release here (nginx's http block "
      "must `include DIR/*.conf;` and proxy_pass to rewind_<namespace>_<name>)")(
      "nginx-conf", po::value<std::string>()->value_name("FILE"),
      "nginx on this host: its main configuration, for `nginx -t`")(
      "nginx-pid-file", po::value<std::string>()->value_name("FILE"),
      "nginx on this host: the master's pid file, signalled to reload")(
      "nginx-binary",
      po::value<std::string>()->default_value("/usr/sbin/nginx")->value_name("FILE"),
      "nginx on this host: the program")(
      "nginx-prefix", po::value<std::string>()->value_name("DIR"),
      "nginx on this host: its -p prefix, when it runs with one")(
      "nginx-container", po::value<std::string>()->value_name("NAME"),
      "nginx in this container instead (DIR bind-mounted into it; nginx as PID 1): tested with "
      "exec `nginx -t`, reloaded with a HUP through the Docker Engine; it reaches the colors on "
      "their networks");
}

bool read_router_options(const po::variables_map& vm, const std::string& command, std::ostream& err,
                         NginxOptions& out) {
  const auto text = [&vm](const char* key) {
    return vm.count(key) != 0U ? vm[key].as<std::string>() : std::string();
  };
  out.upstream_dir = text("nginx-upstream-dir");
  out.main_config = text("nginx-conf");
  out.pid_file = text("nginx-pid-file");
  out.binary = text("nginx-binary");
  out.prefix = text("nginx-prefix");
  out.container = text("nginx-container");
  const bool local = !out.main_config.empty() || !out.pid_file.empty() || !out.prefix.empty();
  const std::string prefix = "rewind " + command + ": ";
  if (out.upstream_dir.empty()) {
    if (local || !out.container.empty()) {
      err << prefix << "the --nginx-* options need --nginx-upstream-dir DIR\n";
      return false;
    }
    return true;
  }
  if (local && !out.container.empty()) {
    err << prefix << "--nginx-container and --nginx-conf/--nginx-pid-file/--nginx-prefix "
        << "contradict each other: nginx runs either in a container or on this host\n";
    return false;
  }
  if (out.container.empty() && (out.main_config.empty() || out.pid_file.empty())) {
    err << prefix << "--nginx-upstream-dir needs --nginx-conf FILE and --nginx-pid-file FILE "
        << "(nginx on this host) or --nginx-container NAME\n";
    return false;
  }
  return true;
}

model::Result<ConfiguredRouter> make_router(const NginxOptions& options,
                                            const http::Endpoint& docker) {
  ConfiguredRouter out;
  if (options.upstream_dir.empty()) return out;
  std::unique_ptr<router::NginxControl> control;
  if (!options.container.empty()) {
    auto http_client = http::make_client(docker);
    if (!http_client) return http_client.error();
    auto client = docker::Client::connect(std::move(*http_client));
    if (!client) return client.error().error;
    auto made = docker::make_container_nginx(std::move(*client), {options.container});
    if (!made) return made.error();
    control = std::move(*made);
    out.on_network = true;
  } else {
    router::LocalNginxOptions local;
    local.nginx_binary = options.binary;
    local.main_config = options.main_config;
    local.pid_file = options.pid_file;
    if (!options.prefix.empty()) local.nginx_args = {"-p", options.prefix.string()};
    auto made = router::make_local_nginx(std::move(local));
    if (!made) return made.error();
    control = std::move(*made);
  }
  const std::string described = control->describe();
  auto created = router::NginxRouter::create({options.upstream_dir}, std::move(control));
  if (!created) return created.error();
  spdlog::info("traffic router: {} with upstream files in {}", described,
               options.upstream_dir.string());
  out.router = std::move(*created);
  return out;
}

}  // namespace rwd::cli
