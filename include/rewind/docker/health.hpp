#pragma once
// Waiting for a container's own healthcheck by polling inspect; the caller
// decides how often and how long.

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>

#include "rewind/docker/client.hpp"
#include "rewind/docker/events.hpp"

namespace rwd::docker {

enum class HealthOutcome {
  kHealthy,
  kUnhealthy,
  kNoHealthcheck,  // running, without a healthcheck of its own
  kNotRunning,     // exited, dead, or never started
  kTimedOut,       // still starting after max_polls
  kStopped,        // the stop_token was triggered
};

const char* to_string(HealthOutcome outcome);

// The outcome an inspect shows, or nullopt while the healthcheck is starting.
std::optional<HealthOutcome> health_outcome(const ContainerInspect& c);

// Inspects up to `max_polls` times, sleeping `interval` between polls.
ApiResult<HealthOutcome> wait_for_health(Client& client, const std::string& id,
                                         std::chrono::milliseconds interval, int max_polls,
                                         const Sleeper& sleep, std::stop_token stop = {});

}  // namespace rwd::docker
