#pragma once
// Leader election with a coordination.k8s.io/v1 Lease, so that two
// controllers never act on one Release (client-go's leaderelection, in
// small):
//
//   - a candidate takes the Lease when it does not exist, has no holder, or
//     its holder has not renewed it for leaseDurationSeconds (measured on the
//     candidate's own steady clock from when it last saw the Lease change,
//     so clock skew between nodes does not matter);
//   - the leader renews it every retry period; every write carries the
//     resourceVersion read, so of two candidates only one wins;
//   - is_leader() is true only while the last successful renewal is younger
//     than the renew deadline: a leader cut off from the API server stops
//     acting before anyone else may take over (renew deadline < lease
//     duration);
//   - release() on graceful shutdown gives the Lease up at once.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "rewind/kube/api.hpp"
#include "rewind/kube/reflector.hpp"

namespace rwd::kube {

struct LeaseOptions {
  std::string ns = "rewind-system";
  std::string name = "rewind-controller";
  std::string identity;  // unique per process: hostname_pid
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;
using WallNow = std::function<std::chrono::system_clock::time_point()>;

// hostname + "_" + pid.
std::string default_identity();

class LeaderElector {
 public:
  LeaderElector(Api& api, LeaseOptions options, SteadyNow steady = {}, WallNow wall = {},
                StopWait wait = {});

  // One round: take or renew the Lease if this candidate may. True when it
  // holds the Lease afterwards.
  model::Result<bool> try_acquire_or_renew();

  // Rounds every retry period until `stop`, or until leadership is lost
  // after having been held. `on_started` is called once when it is first
  // acquired. Returns true when it was held and then lost.
  bool run(std::stop_token stop, const std::function<void()>& on_started);

  // Holds the Lease and renewed it within the renew deadline.
  [[nodiscard]] bool is_leader() const;
  // Gives the Lease up (holder cleared) when this candidate holds it.
  void release();

  [[nodiscard]] const LeaseOptions& options() const { return options_; }

 private:
  Api& api_;
  LeaseOptions options_;
  SteadyNow steady_;
  WallNow wall_;
  StopWait wait_;
  mutable std::mutex mu_;
  bool holding_ = false;
  std::chrono::steady_clock::time_point renewed_{};
  // The other holder's record as last seen, and when it was first seen so.
  std::string observed_record_;
  std::chrono::steady_clock::time_point observed_at_{};
};

}  // namespace rwd::kube
