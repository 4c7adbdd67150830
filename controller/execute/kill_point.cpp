#include "rewind/execute/kill_point.hpp"

#include <csignal>
#include <cstdlib>
#include <unistd.h>

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
  static constexpr char kMsg[] = "rewind: REWIND_TEST_KILL_AT reached, killing myself\n";
  (void)!::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached
}

std::vector<std::string> recreate_kill_points() {
  return {"before-plan",
          "recreate:after-create",
          "recreate:after-stop-old",
          "recreate:after-start-new",
          "after-step:record-incident",
          "after-step:start-revision",
          "after-step:health-gate",
          "after-step:analysis-gate",
          "mark-stable:after-remove-old",
          "after-step:mark-stable"};
}

}  // namespace rwd::execute
