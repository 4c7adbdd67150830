#include "rewind/execute/kill_point.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace rwd::execute {
namespace {

const std::string& configured() {
  static const std::string points = [] {
    const char* v = std::getenv("REWIND_TEST_KILL_AT");
    return v == nullptr ? std::string() : std::string(v);
  }();
  return points;
}

bool listed(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    if (item == name) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

void kill_point(std::string_view name) {
  const std::string& points = configured();
  if (points.empty() || !listed(points, name)) return;
  // The tests look for this line in the log to know where the process died.
  const std::string msg = "rewind: kill point " + std::string(name) +
                          " reached (REWIND_TEST_KILL_AT), killing myself\n";
  (void)!::write(STDERR_FILENO, msg.data(), msg.size());
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached
}

std::vector<std::string> recreate_kill_points() {
  return {"before-plan",
          "recreate:after-create",
          "recreate:after-stop-old",
          "recreate:after-start-new",
          "start-revision:after-history",
          "after-step:record-incident",
          "after-step:start-revision",
          "after-step:health-gate",
          "after-step:analysis-gate",
          "mark-stable:after-remove-old",
          "mark-stable:after-rename",
          "after-step:mark-stable"};
}

std::vector<std::string> bluegreen_kill_points() {
  return {"before-plan",
          "bluegreen:after-create",
          "bluegreen:after-start",
          "start-revision:after-history",
          "after-step:start-revision",
          "after-step:health-gate",
          "bluegreen:after-switch",
          "after-step:switch-active-color",
          "bluegreen:after-scale-down",
          "after-step:scale-down",
          "mark-stable:after-remove-old",
          "after-step:mark-stable"};
}

std::vector<std::string> canary_kill_points() {
  return {"before-plan",
          "canary:after-create",
          "canary:after-start",
          "start-revision:after-history",
          "after-step:start-revision",
          "after-step:health-gate",
          "canary:after-weight",
          "after-step:set-traffic-weight",
          "after-step:pause",
          "canary:after-promote-switch",
          "canary:after-stop-old",
          "after-step:promote",
          "mark-stable:after-remove-old",
          "mark-stable:after-rename",
          "after-step:mark-stable"};
}

}  // namespace rwd::execute
