#pragma once
// Notifications about what rewind did to a Release: webhook POSTs (and later
// Kubernetes Events, the log). notify() never blocks the plan.
//
// The webhook body (event_json):
//   {"event": "rolled-back", "release": "default/web", "from": 7, "to": 6,
//    "trigger": "analysis/error-rate", "message": "...", "at": "2024-05-01T10:00:00Z",
//    "seconds": 0.42, "link": "http://rewind:9464/api/v1/releases/default/web"}
// from, to and seconds are null when unknown; link is "" when there is none.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"

namespace rwd::notify {

// Event types.
inline constexpr const char* kRolloutStarted = "rollout-started";
inline constexpr const char* kRollbackStarted = "rollback-started";
inline constexpr const char* kPromoted = "promoted";
inline constexpr const char* kAborted = "aborted";
inline constexpr const char* kRolledBack = "rolled-back";
inline constexpr const char* kRollbackFailed = "rollback-failed";
inline constexpr const char* kMigrationBlocked = "migration-blocked";

struct Event {
  std::string type;  // one of the k* constants above
  model::ObjectKey release;
  std::optional<std::int64_t> from_revision;
  std::optional<std::int64_t> to_revision;
  std::string trigger;  // "analysis/error-rate", "health", "manual", ...
  std::string message;
  model::Timestamp at;
  std::optional<double> seconds;  // how long it took (a rollback: decision to traffic served)
  std::string link;               // to the Release's status
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Queues the event for every target that has a destination this notifier
  // serves; returns at once (never waits on the network).
  virtual void notify(const Event& event, const std::vector<model::NotifySpec>& targets) = 0;
};

// The JSON body of a webhook for `event` (see above).
model::Json event_json(const Event& event);

// A URL as it may appear in logs and errors: userinfo becomes "***@", query
// values become "***" (names stay), the path keeps its first segment only
// ("/services/***": webhook paths often are the secret), the fragment is
// dropped. Text that is not a URL comes back as "<redacted>".
//   https://u:p@hooks.example/services/T0/B0/xyz?token=abc#x
//     -> https://***@hooks.example/services/***?token=***
std::string redact_url(std::string_view url);

}  // namespace rwd::notify
