// Leader election on a coordination.k8s.io/v1 Lease.

#include "rewind/kube/leader.hpp"

#include <unistd.h>

#include <array>
#include <ctime>
#include <utility>

#include <spdlog/spdlog.h>

namespace rwd::kube {
namespace {

// MicroTime: RFC 3339 with microseconds, UTC.
std::string micro_time(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(us.count() / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 40> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::array<char, 16> frac{};
  std::snprintf(frac.data(), frac.size(), ".%06lldZ", static_cast<long long>(us.count() % 1000000));
  return std::string(buf.data(), n) + frac.data();
}

}  // namespace

std::string default_identity() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return std::string(host.data()) + "_" + std::to_string(getpid());
}

LeaderElector::LeaderElector(Api& api, LeaseOptions options, SteadyNow steady, WallNow wall,
                             StopWait wait)
    : api_(api),
      options_(std::move(options)),
      steady_(steady ? std::move(steady)
                     : SteadyNow([] { return std::chrono::steady_clock::now(); })),
      wall_(wall ? std::move(wall) : WallNow([] { return std::chrono::system_clock::now(); })),
      wait_(wait ? std::move(wait) : real_stop_wait()) {
  if (options_.identity.empty()) options_.identity = default_identity();
}

model::Result<bool> LeaderElector::try_acquire_or_renew() {
  const std::string path = path_of(kLeases, options_.ns, options_.name);
  const auto steady_now = steady_();
  const std::string now = micro_time(wall_());
  const Json spec_mine = {{"holderIdentity", options_.identity},
                          {"leaseDurationSeconds", options_.lease_duration.count()},
                          {"renewTime", now}};
  auto got = api_.get(path);
  if (!got) {
    if (got.error().reason != "NotFound") return got.error();
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
                  {"spec", spec_mine}};
    lease["spec"]["acquireTime"] = now;
    lease["spec"]["leaseTransitions"] = 0;
    auto created = api_.create(path_of(kLeases, options_.ns), lease);
    if (!created) {
      if (created.error().reason == "AlreadyExists") return false;  // another one was quicker
      return created.error();
    }
    spdlog::info("leader election: {} took the Lease {}/{} (created it)", options_.identity,
                 options_.ns, options_.name);
    std::lock_guard lock(mu_);
    holding_ = true;
    renewed_ = steady_now;
    return true;
  }
  Json lease = std::move(*got);
  Json spec = lease.value("spec", Json::object());
  const std::string holder = spec.value("holderIdentity", "");
  const bool mine = holder == options_.identity;
  if (!mine && !holder.empty()) {
    // Someone else holds it: expired only when its record has not changed
    // for its lease duration, as seen on our own clock.
    const std::string record = holder + "|" + spec.value("renewTime", "");
    std::chrono::seconds duration{
        spec.value("leaseDurationSeconds", options_.lease_duration.count())};
    std::lock_guard lock(mu_);
    holding_ = false;
    if (record != observed_record_) {
      observed_record_ = record;
      observed_at_ = steady_now;
      return false;
    }
    if (steady_now - observed_at_ < duration) return false;
  }
  Json next = spec;
  next.update(spec_mine);
  if (!mine) {
    next["acquireTime"] = now;
    next["leaseTransitions"] = spec.value("leaseTransitions", 0) + (holder.empty() ? 0 : 1);
  }
  lease["spec"] = next;
  auto put = api_.replace(path, lease);
  std::lock_guard lock(mu_);
  if (!put) {
    // A leader keeps leading until its renew deadline; the next round reads
    // the Lease again and sees whether someone else holds it now.
    if (put.error().reason == "Conflict") return false;
    return put.error();
  }
  if (!mine)
    spdlog::info("leader election: {} took the Lease {}/{}", options_.identity, options_.ns,
                 options_.name);
  holding_ = true;
  renewed_ = steady_now;
  return true;
}

bool LeaderElector::is_leader() const {
  std::lock_guard lock(mu_);
  return holding_ && steady_() - renewed_ < options_.renew_deadline;
}

bool LeaderElector::run(std::stop_token stop, const std::function<void()>& on_started) {
  bool led = false;
  while (!stop.stop_requested()) {
    auto r = try_acquire_or_renew();
    if (!r) spdlog::warn("leader election: {}", r.error().message);
    if (r && *r && !led) {
      led = true;
      on_started();
    }
    if (led && !is_leader()) {
      spdlog::error("leader election: the Lease {}/{} was not renewed within {}s: stepping down",
                    options_.ns, options_.name, options_.renew_deadline.count());
      return true;
    }
    wait_(std::chrono::duration_cast<std::chrono::milliseconds>(options_.retry_period), stop);
  }
  return false;
}

void LeaderElector::release() {
  {
    std::lock_guard lock(mu_);
    if (!holding_) return;
    holding_ = false;
  }
  const std::string path = path_of(kLeases, options_.ns, options_.name);
  auto got = api_.get(path);
  if (!got) return;
  if ((*got)["spec"].value("holderIdentity", "") != options_.identity) return;
  (*got)["spec"]["holderIdentity"] = "";
  (*got)["spec"]["leaseDurationSeconds"] = 1;
  (*got)["spec"]["renewTime"] = micro_time(wall_());
  if (auto put = api_.replace(path, *got); !put) {
    spdlog::warn("leader election: could not release the Lease: {}", put.error().message);
  } else {
    spdlog::info("leader election: released the Lease {}/{}", options_.ns, options_.name);
  }
}

}  // namespace rwd::kube
