// Waiting for a container's healthcheck.

#include "rewind/docker/health.hpp"

namespace rwd::docker {

const char* to_string(HealthOutcome outcome) {
  switch (outcome) {
    case HealthOutcome::kHealthy: return "healthy";
    case HealthOutcome::kUnhealthy: return "unhealthy";
    case HealthOutcome::kNoHealthcheck: return "no healthcheck";
    case HealthOutcome::kNotRunning: return "not running";
    case HealthOutcome::kTimedOut: return "timed out";
    case HealthOutcome::kStopped: return "stopped";
  }
  return "unknown";
}

std::optional<HealthOutcome> health_outcome(const ContainerInspect& c) {
  if (!c.running) return HealthOutcome::kNotRunning;
  if (c.health.empty() || c.health == "none") return HealthOutcome::kNoHealthcheck;
  if (c.health == "healthy") return HealthOutcome::kHealthy;
  if (c.health == "unhealthy") return HealthOutcome::kUnhealthy;
  return std::nullopt;
}

ApiResult<HealthOutcome> wait_for_health(Client& client, const std::string& id,
                                         std::chrono::milliseconds interval, int max_polls,
                                         const Sleeper& sleep, std::stop_token stop) {
  for (int poll = 0; poll < max_polls; ++poll) {
    if (poll > 0 && !sleep(interval, stop)) return HealthOutcome::kStopped;
    if (stop.stop_requested()) return HealthOutcome::kStopped;
    auto c = client.inspect_container(id);
    if (!c) return c.error();
    if (auto outcome = health_outcome(*c)) return *outcome;
  }
  return HealthOutcome::kTimedOut;
}

}  // namespace rwd::docker
