#pragma once
// TrafficRouter for nginx: one upstream include file per Release in a
// directory the main configuration includes (`include <dir>/*.conf;`).
//
// set_weights:
//   1. validates the Release and the backends, and that nginx is running;
//   2. writes <dir>/<namespace>_<name>.conf atomically (temp file in the same
//      directory, fsync, rename, fsync of the directory);
//   3. runs `nginx -t`; when nginx rejects the configuration the previous
//      file is put back (or the new one removed), nothing is reloaded, and the
//      error carries nginx's own message;
//   4. reloads (SIGHUP) and verifies that the reload took effect: nginx's
//      workers were all replaced within verify_deadline. When they were not,
//      the error says so; the file then holds the new weights (it passed
//      nginx -t) while nginx may still serve the old ones.
// Writing what was last verified live again is a no-op. Calls are
// serialized: one reload at a time.
//
//   auto control = rwd::router::make_local_nginx({.main_config = "/etc/nginx/nginx.conf",
//                                                 .pid_file = "/run/nginx.pid"});
//   auto router = rwd::router::NginxRouter::create({.upstream_dir = "/etc/nginx/rewind"},
//                                                  std::move(control.value()));

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rewind/router/nginx_control.hpp"
#include "rewind/router/router.hpp"

namespace rwd::router {

struct NginxRouterOptions {
  std::filesystem::path upstream_dir;  // must exist and be writable
  std::chrono::milliseconds verify_deadline{2'000};
  std::chrono::milliseconds verify_interval{5};  // between looks at the workers
};

class NginxRouter final : public TrafficRouter {
 public:
  // Fails (terminal) when the directory is missing, not a directory or not
  // writable, or the deadline is not positive.
  static model::Result<std::unique_ptr<NginxRouter>> create(NginxRouterOptions options,
                                                            std::unique_ptr<NginxControl> control);

  model::Status set_weights(const model::ObjectKey& release,
                            const std::vector<Backend>& backends) override;
  // Empty also when the file is not one rewind wrote (the operator's
  // bootstrap upstream); an error when rewind's file was edited into
  // something it cannot read.
  model::Result<std::vector<Backend>> weights(const model::ObjectKey& release) override;
  model::Status remove(const model::ObjectKey& release) override;

  // The file of a Release (whether or not it exists).
  [[nodiscard]] std::filesystem::path file_of(const model::ObjectKey& release) const;

 private:
  NginxRouter(NginxRouterOptions options, std::unique_ptr<NginxControl> control);
  // Writes `content` (or removes the file when `content` is null), tests,
  // reloads and verifies; puts `previous` back when nginx -t fails.
  model::Status apply(const model::ObjectKey& release, const std::string* content,
                      const std::string* previous);

  NginxRouterOptions options_;
  std::unique_ptr<NginxControl> control_;
  std::mutex mu_;
  std::map<model::ObjectKey, std::string> verified_;  // file content last verified live
};

}  // namespace rwd::router
