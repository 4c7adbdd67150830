// Events on rewind's objects.

#include "rewind/kube/events.hpp"

#include <spdlog/spdlog.h>

#include "rewind/model/time.hpp"

namespace rwd::kube {

void EventRecorder::record(const EventTarget& target, EventType type, const std::string& reason,
                           const std::string& message) {
  const std::string now = model::format_timestamp(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  Json involved = {{"apiVersion", api_version(*target.kind)},
                   {"kind", target.kind->kind},
                   {"namespace", target.key.ns},
                   {"name", target.key.name}};
  if (!target.uid.empty()) involved["uid"] = target.uid;
  Json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"generateName", target.key.name + "."}, {"namespace", target.key.ns}}},
      {"involvedObject", involved},
      {"reason", reason},
      {"message", message.substr(0, 1024)},
      {"type", type == EventType::kWarning ? "Warning" : "Normal"},
      {"source", {{"component", "rewind"}}},
      {"reportingComponent", "rewind"},
      {"reportingInstance", instance_},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1}};
  if (auto r = api_.create(path_of(kEvents, target.key.ns), event); !r) {
    spdlog::warn("{}: event {} not recorded: {}", target.key.str(), reason, r.error().message);
  }
}

}  // namespace rwd::kube
