// Step names and human descriptions.

#include "rewind/reconcile/step.hpp"

#include <string>
#include <type_traits>
#include <vector>

namespace rwd::reconcile {
namespace {

std::string number(model::RevisionNumber n) { return std::to_string(n.value()); }

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string on_color(const std::optional<Color>& c) {
  return c ? std::string(" in ") + to_string(*c) : std::string();
}

struct Describer {
  std::string operator()(const step::RecordIncident& s) const {
    const std::string from = s.from ? "revision " + number(*s.from) : "the running tuple";
    return "record incident: roll back " + from + " → " + number(s.to) + " (" + s.reason + ")";
  }
  std::string operator()(const step::Backup& s) const {
    return "back up the database to " + s.directory + (s.verify ? " and verify the dump" : "");
  }
  std::string operator()(const step::Quiesce& s) const { return "quiesce " + join(s.services); }
  std::string operator()(const step::Migrate& s) const {
    const char* verb = s.direction == MigrateDirection::kDown ? "down-migrate" : "up-migrate";
    if (s.from.empty()) return std::string(verb) + " schema to " + s.to;
    return std::string(verb) + " schema " + s.from + " → " + s.to;
  }
  std::string operator()(const step::RestoreBackup& s) const {
    return "restore backup " + s.path + " (schema " + s.schema + ", taken before revision " +
           number(s.taken_before) + ")";
  }
  std::string operator()(const step::VerifyRowCounts& s) const {
    return "verify row counts of " + join(s.tables);
  }
  std::string operator()(const step::StartRevision& s) const {
    std::string out = "start " + s.tuple.image.value() + " (revision " + number(s.revision) + ")";
    if (s.canary) out += " as canary";
    return out + on_color(s.color);
  }
  std::string operator()(const step::HealthGate& s) const {
    return "wait until revision " + number(s.revision) + on_color(s.color) +
           " is healthy (fails after " + std::to_string(s.failure_threshold) +
           " failed checks in a row)";
  }
  std::string operator()(const step::SmokeGate& s) const {
    return "smoke test revision " + number(s.revision) + ": " + join(s.command, " ") +
           " (timeout " + model::format_duration(s.timeout) + ")";
  }
  std::string operator()(const step::SetTrafficWeight& s) const {
    return "send " + std::to_string(s.weight) + "% of traffic to revision " + number(s.revision);
  }
  std::string operator()(const step::Pause& s) const {
    return s.duration ? "pause " + model::format_duration(*s.duration)
                      : std::string("pause until promoted");
  }
  std::string operator()(const step::AnalysisGate& s) const {
    std::string out =
        "analyse revision " + number(s.revision) + " for " + model::format_duration(s.window);
    if (!s.metrics.empty()) out += " (" + join(s.metrics) + ")";
    return out;
  }
  std::string operator()(const step::Promote& s) const {
    if (s.manual) return "wait for `rewind promote` of revision " + number(s.revision);
    return "promote revision " + number(s.revision) + ": weight 100, replaces stable";
  }
  std::string operator()(const step::SwitchActiveColor& s) const {
    const std::string from = s.from ? std::string(to_string(*s.from)) + " → " : "";
    return "switch traffic " + from + to_string(s.to) + " (revision " + number(s.revision) + ")";
  }
  std::string operator()(const step::ScaleDown& s) const {
    std::string out =
        "scale down " + (s.color ? std::string(to_string(*s.color)) + " " : std::string("canary "));
    out +=
        s.revision ? "(revision " + number(*s.revision) + ")" : std::string("(unrecorded tuple)");
    if (s.delay.count() > 0) out += " after " + model::format_duration(s.delay);
    return out;
  }
  std::string operator()(const step::MarkStable& s) const {
    return "mark revision " + number(s.revision) + " stable";
  }
  std::string operator()(const step::Notify& s) const {
    return "notify " + std::to_string(s.targets) + (s.targets == 1 ? " target: " : " targets: ") +
           s.event;
  }
  std::string operator()(const step::Unquiesce& s) const {
    return "un-quiesce " + join(s.services);
  }
};

}  // namespace

const char* to_string(Color c) { return c == Color::kBlue ? "blue" : "green"; }

Color other(Color c) { return c == Color::kBlue ? Color::kGreen : Color::kBlue; }

const char* to_string(StepKind k) {
  switch (k) {
    case StepKind::kRecordIncident: return "RecordIncident";
    case StepKind::kBackup: return "Backup";
    case StepKind::kQuiesce: return "Quiesce";
    case StepKind::kMigrate: return "Migrate";
    case StepKind::kRestoreBackup: return "RestoreBackup";
    case StepKind::kVerifyRowCounts: return "VerifyRowCounts";
    case StepKind::kStartRevision: return "StartRevision";
    case StepKind::kHealthGate: return "HealthGate";
    case StepKind::kSmokeGate: return "SmokeGate";
    case StepKind::kSetTrafficWeight: return "SetTrafficWeight";
    case StepKind::kPause: return "Pause";
    case StepKind::kAnalysisGate: return "AnalysisGate";
    case StepKind::kPromote: return "Promote";
    case StepKind::kSwitchActiveColor: return "SwitchActiveColor";
    case StepKind::kScaleDown: return "ScaleDown";
    case StepKind::kMarkStable: return "MarkStable";
    case StepKind::kNotify: return "Notify";
    case StepKind::kUnquiesce: return "Unquiesce";
  }
  return "Unknown";
}

const char* step_name(StepKind k) {
  switch (k) {
    case StepKind::kRecordIncident: return "record-incident";
    case StepKind::kBackup: return "backup";
    case StepKind::kQuiesce: return "quiesce";
    case StepKind::kMigrate: return "migrate";
    case StepKind::kRestoreBackup: return "restore-backup";
    case StepKind::kVerifyRowCounts: return "verify-row-counts";
    case StepKind::kStartRevision: return "start-revision";
    case StepKind::kHealthGate: return "health-gate";
    case StepKind::kSmokeGate: return "smoke-gate";
    case StepKind::kSetTrafficWeight: return "set-traffic-weight";
    case StepKind::kPause: return "pause";
    case StepKind::kAnalysisGate: return "analysis-gate";
    case StepKind::kPromote: return "promote";
    case StepKind::kSwitchActiveColor: return "switch-active-color";
    case StepKind::kScaleDown: return "scale-down";
    case StepKind::kMarkStable: return "mark-stable";
    case StepKind::kNotify: return "notify";
    case StepKind::kUnquiesce: return "unquiesce";
  }
  return "unknown";
}

static_assert(std::variant_size_v<step::Detail> ==
                  static_cast<std::size_t>(StepKind::kUnquiesce) + 1,
              "step::Detail alternatives follow StepKind");

StepKind kind_of(const step::Detail& d) { return static_cast<StepKind>(d.index()); }

std::string describe(const step::Detail& d) { return std::visit(Describer{}, d); }

}  // namespace rwd::reconcile
