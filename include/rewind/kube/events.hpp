#pragma once
// Kubernetes Events (core/v1) on Releases and Rollbacks: what `kubectl
// describe release api` shows under Events. Best effort: a failed POST is
// logged, never fails the step it reports.

#include <string>

#include "rewind/kube/api.hpp"
#include "rewind/model/metadata.hpp"

namespace rwd::kube {

enum class EventType { kNormal, kWarning };

struct EventTarget {
  const Resource* kind = &kReleases;
  model::ObjectKey key;
  std::string uid;  // empty when unknown
};

class EventRecorder {
 public:
  EventRecorder(Api& api, std::string instance) : api_(api), instance_(std::move(instance)) {}

  // reason: CamelCase ("StepSucceeded", "RolledBack"); message: one line.
  void record(const EventTarget& target, EventType type, const std::string& reason,
              const std::string& message);

 private:
  Api& api_;
  std::string instance_;
};

}  // namespace rwd::kube
