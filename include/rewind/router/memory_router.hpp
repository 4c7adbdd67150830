#pragma once
// An in-memory TrafficRouter for the unit tests of its users (the executor):
// it validates like the real routers, keeps the weights per Release, records
// every call, and fails the next call on request.
//
//   rwd::router::InMemoryRouter router;
//   router.fail_next(model::Error::transient("nginx did not reload"));
//   EXPECT_FALSE(router.set_weights(key, backends).ok());
//   EXPECT_EQ(router.calls().size(), 1U);

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rewind/router/router.hpp"

namespace rwd::router {

class InMemoryRouter final : public TrafficRouter {
 public:
  struct Call {
    std::string op;  // "set_weights", "weights", "remove"
    model::ObjectKey release;
    std::vector<Backend> backends;  // set_weights only
  };

  model::Status set_weights(const model::ObjectKey& release,
                            const std::vector<Backend>& backends) override {
    std::lock_guard lock(mu_);
    calls_.push_back({"set_weights", release, backends});
    if (auto e = take_failure()) return *e;
    if (auto st = validate_release_key(release); !st) return st;
    if (auto st = validate_backends(release, backends); !st) return st;
    live_[release] = backends;
    return {};
  }

  model::Result<std::vector<Backend>> weights(const model::ObjectKey& release) override {
    std::lock_guard lock(mu_);
    calls_.push_back({"weights", release, {}});
    if (auto e = take_failure()) return *e;
    const auto it = live_.find(release);
    if (it == live_.end()) return std::vector<Backend>{};
    return it->second;
  }

  model::Status remove(const model::ObjectKey& release) override {
    std::lock_guard lock(mu_);
    calls_.push_back({"remove", release, {}});
    if (auto e = take_failure()) return *e;
    live_.erase(release);
    return {};
  }

  // Acts as a router that selects by label (a Kubernetes Service) would.
  void select_by_label(bool on) { selects_by_label_ = on; }
  [[nodiscard]] bool selects_by_label() const override { return selects_by_label_; }

  // The next call (any operation) fails with `error` and changes nothing.
  void fail_next(model::Error error) {
    std::lock_guard lock(mu_);
    failure_ = std::move(error);
  }

  [[nodiscard]] std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  // The weights of a Release without recording a call; nullopt when none.
  [[nodiscard]] std::optional<std::vector<Backend>> live(const model::ObjectKey& release) const {
    std::lock_guard lock(mu_);
    const auto it = live_.find(release);
    if (it == live_.end()) return std::nullopt;
    return it->second;
  }

  // The weight of one backend of a Release; nullopt when not routed.
  [[nodiscard]] std::optional<std::int32_t> weight_of(const model::ObjectKey& release,
                                                      const std::string& backend) const {
    std::lock_guard lock(mu_);
    const auto it = live_.find(release);
    if (it == live_.end()) return std::nullopt;
    for (const auto& b : it->second) {
      if (b.name == backend) return b.weight;
    }
    return std::nullopt;
  }

 private:
  std::optional<model::Error> take_failure() {
    if (!failure_) return std::nullopt;
    auto e = std::move(failure_);
    failure_.reset();
    return e;
  }

  mutable std::mutex mu_;
  std::map<model::ObjectKey, std::vector<Backend>> live_;
  std::vector<Call> calls_;
  std::optional<model::Error> failure_;
  bool selects_by_label_ = false;
};

}  // namespace rwd::router
