// NginxRouter: the upstream file per Release, nginx -t, reload, verification.

#include "rewind/router/nginx_router.hpp"

#include <thread>

#include <spdlog/spdlog.h>

#include "rewind/router/nginx_upstream.hpp"

#include "files.hpp"

namespace rwd::router {
namespace {

using model::Error;
using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

Error with_prefix(const std::string& prefix, const Error& e) {
  return {e.kind, prefix + e.message, e.reason};
}

std::string describe(const std::vector<Backend>& backends) {
  std::string out;
  for (const auto& b : backends) {
    if (!out.empty()) out += ", ";
    out += b.name + "=" + std::to_string(b.weight);
  }
  return out;
}

}  // namespace

NginxRouter::NginxRouter(NginxRouterOptions options, std::unique_ptr<NginxControl> control)
    : options_(std::move(options)), control_(std::move(control)) {}

model::Result<std::unique_ptr<NginxRouter>> NginxRouter::create(
    NginxRouterOptions options, std::unique_ptr<NginxControl> control) {
  if (!control) return Error::terminal("nginx router: no way to reach nginx was given");
  if (auto st = detail::check_writable_dir(options.upstream_dir, "nginx upstream directory"); !st) {
    return st.error();
  }
  if (options.verify_deadline.count() <= 0) {
    return Error::terminal("nginx router: the verify deadline must be positive (it is " +
                           std::to_string(options.verify_deadline.count()) + "ms)");
  }
  if (options.verify_interval.count() <= 0) options.verify_interval = std::chrono::milliseconds(5);
  return std::unique_ptr<NginxRouter>(new NginxRouter(std::move(options), std::move(control)));
}

std::filesystem::path NginxRouter::file_of(const model::ObjectKey& release) const {
  return options_.upstream_dir / upstream_file_name(release);
}

model::Status NginxRouter::set_weights(const model::ObjectKey& release,
                                       const std::vector<Backend>& backends) {
  if (auto st = validate_release_key(release); !st) return st;
  if (auto st = validate_backends(release, backends); !st) return st;
  const std::string content = render_upstream(release, backends);
  const auto start = Clock::now();
  std::lock_guard lock(mu_);
  const auto path = file_of(release);
  auto previous = detail::read_file(path);
  if (!previous) return previous.error();
  if (previous->has_value() && **previous == content) {
    const auto it = verified_.find(release);
    if (it != verified_.end() && it->second == content) return {};  // live already
  }
  auto st = apply(release, &content, previous->has_value() ? &**previous : nullptr);
  if (!st) return st;
  spdlog::info("router: {} now routes {} through {} ({}ms)", release.str(), describe(backends),
               path.string(), ms_since(start));
  return {};
}

model::Result<std::vector<Backend>> NginxRouter::weights(const model::ObjectKey& release) {
  if (auto st = validate_release_key(release); !st) return st.error();
  std::lock_guard lock(mu_);
  const auto path = file_of(release);
  auto text = detail::read_file(path);
  if (!text) return text.error();
  if (!text->has_value()) return std::vector<Backend>{};
  // The file an operator wrote so that nginx could start: rewind has set
  // no weights yet (the first switch replaces it).
  if (!written_by_rewind(**text)) return std::vector<Backend>{};
  return parse_upstream(release, **text, path.string());
}

model::Status NginxRouter::remove(const model::ObjectKey& release) {
  if (auto st = validate_release_key(release); !st) return st;
  std::lock_guard lock(mu_);
  const auto path = file_of(release);
  auto previous = detail::read_file(path);
  if (!previous) return previous.error();
  verified_.erase(release);
  if (!previous->has_value()) return {};
  auto st = apply(release, nullptr, &**previous);
  if (!st) return st;
  spdlog::info("router: {} no longer routed; removed {}", release.str(), path.string());
  return {};
}

model::Status NginxRouter::apply(const model::ObjectKey& release, const std::string* content,
                                 const std::string* previous) {
  const auto path = file_of(release);
  const std::string who = "Release " + release.str() + ": ";
  // nginx must be running before anything changes: a stale pid file or a
  // stopped container is reported without touching the file.
  auto before = control_->workers();
  if (!before) return with_prefix(who + "cannot change traffic: ", before.error());

  auto written = content != nullptr ? detail::write_file_atomically(path, *content)
                                    : detail::remove_file(path);
  if (!written) return with_prefix(who, written.error());

  if (auto tested = control_->test_config(); !tested) {
    auto restored = previous != nullptr ? detail::write_file_atomically(path, *previous)
                                        : detail::remove_file(path);
    std::string what =
        content != nullptr ? "new weights in " + path.string() : "removal of " + path.string();
    std::string after =
        restored.ok() ? (previous != nullptr ? "; the previous file is back"
                                             : "; the new file was removed again")
                      : "; putting the previous file back failed too: " + restored.error().message;
    spdlog::warn("router: {}nginx rejected the {}: {}{}", who, what, tested.error().message, after);
    return Error(tested.error().kind,
                 who + "nginx rejected the " + what + ", nothing was reloaded" + after + ": " +
                     tested.error().message,
                 "RouterConfigRejected");
  }
  if (auto st = control_->reload(); !st) {
    return Error(st.error().kind,
                 who + st.error().message + "; " + path.string() +
                     " holds the new configuration (it passed nginx -t) but nginx was not "
                     "reloaded",
                 "RouterReloadFailed");
  }
  const auto deadline = Clock::now() + options_.verify_deadline;
  std::vector<int> now;
  for (;;) {
    auto w = control_->workers();
    if (!w) {
      return Error(w.error().kind,
                   who + "after the reload signal: " + w.error().message + "; " + path.string() +
                       " holds the new configuration",
                   "RouterReloadFailed");
    }
    now = std::move(w.value());
    if (workers_replaced(*before, now)) break;
    if (Clock::now() >= deadline) {
      spdlog::warn("router: {}{} did not reload within {}ms", who, control_->describe(),
                   options_.verify_deadline.count());
      return Error(model::ErrorKind::kTransient,
                   who + "nginx did not reload: workers unchanged after " +
                       std::to_string(options_.verify_deadline.count()) + "ms (" +
                       control_->describe() + "); see its error log. " + path.string() +
                       " holds the new configuration (it passed nginx -t); nginx may still "
                       "serve the previous one",
                   "RouterReloadNotVerified");
    }
    std::this_thread::sleep_for(options_.verify_interval);
  }
  if (content != nullptr) {
    verified_[release] = *content;
  }
  return {};
}

}  // namespace rwd::router
