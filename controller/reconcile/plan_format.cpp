// format_plan (a table for people) and to_json (for `-o json`).

#include <algorithm>
#include <string>
#include <type_traits>
#include <variant>

#include "rewind/reconcile/format.hpp"

namespace rwd::reconcile {
namespace {

using model::Json;

Json number(const std::optional<model::RevisionNumber>& n) {
  return n ? Json(n->value()) : Json(nullptr);
}

Json color(const std::optional<Color>& c) { return c ? Json(to_string(*c)) : Json(nullptr); }

std::string duration(model::Duration d) { return model::format_duration(d); }

struct Params {
  Json& j;
  void operator()(const step::RecordIncident& s) const {
    j["from"] = number(s.from);
    j["to"] = s.to.value();
    j["reason"] = s.reason;
  }
  void operator()(const step::Backup& s) const {
    j["directory"] = s.directory;
    j["verify"] = s.verify;
  }
  void operator()(const step::Quiesce& s) const { j["services"] = s.services; }
  void operator()(const step::Migrate& s) const {
    j["direction"] = s.direction == MigrateDirection::kDown ? "down" : "up";
    j["from"] = s.from;
    j["to"] = s.to;
  }
  void operator()(const step::RestoreBackup& s) const {
    j["path"] = s.path;
    j["schema"] = s.schema;
    j["takenBefore"] = s.taken_before.value();
  }
  void operator()(const step::VerifyRowCounts& s) const { j["tables"] = s.tables; }
  void operator()(const step::StartRevision& s) const {
    j["revision"] = s.revision.value();
    j["image"] = s.tuple.image.value();
    j["configHash"] = s.tuple.config_hash;
    j["migrationRevision"] = s.tuple.migration_revision;
    j["color"] = color(s.color);
    j["canary"] = s.canary;
  }
  void operator()(const step::HealthGate& s) const {
    j["revision"] = s.revision.value();
    j["color"] = color(s.color);
    j["interval"] = duration(s.interval);
    j["timeout"] = duration(s.timeout);
    j["successThreshold"] = s.success_threshold;
    j["failureThreshold"] = s.failure_threshold;
  }
  void operator()(const step::SmokeGate& s) const {
    j["revision"] = s.revision.value();
    j["command"] = s.command;
    j["timeout"] = duration(s.timeout);
  }
  void operator()(const step::SetTrafficWeight& s) const {
    j["revision"] = s.revision.value();
    j["weight"] = s.weight;
  }
  void operator()(const step::Pause& s) const {
    j["duration"] = s.duration ? Json(duration(*s.duration)) : Json(nullptr);
  }
  void operator()(const step::AnalysisGate& s) const {
    j["revision"] = s.revision.value();
    j["metrics"] = s.metrics;
    j["window"] = duration(s.window);
    j["interval"] = duration(s.interval);
  }
  void operator()(const step::Promote& s) const {
    j["revision"] = s.revision.value();
    j["manual"] = s.manual;
  }
  void operator()(const step::SwitchActiveColor& s) const {
    j["from"] = color(s.from);
    j["to"] = to_string(s.to);
    j["revision"] = s.revision.value();
  }
  void operator()(const step::ScaleDown& s) const {
    j["revision"] = number(s.revision);
    j["color"] = color(s.color);
    j["delay"] = duration(s.delay);
  }
  void operator()(const step::MarkStable& s) const { j["revision"] = s.revision.value(); }
  void operator()(const step::Notify& s) const {
    j["event"] = s.event;
    j["targets"] = s.targets;
  }
  void operator()(const step::Unquiesce& s) const { j["services"] = s.services; }
};

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

Json to_json(const Step& s) {
  Json j = Json::object();
  j["id"] = s.id;
  j["kind"] = to_string(s.kind());
  j["description"] = s.description;
  std::visit(Params{j}, s.detail);
  return j;
}

Json to_json(const Plan& p) {
  Json j = Json::object();
  j["direction"] = to_string(p.direction);
  j["from"] = number(p.from);
  j["to"] = number(p.to);
  j["reason"] = p.reason;
  j["hash"] = p.hash;
  j["firstStep"] = p.first_step;
  j["dryRun"] = p.dry_run;
  j["emergency"] = p.emergency;
  Json steps = Json::array();
  for (const auto& s : p.steps) steps.push_back(to_json(s));
  j["steps"] = std::move(steps);
  return j;
}

Json to_json(const Action& a) {
  if (a.is_await_change()) return Json{{"awaitChange", true}};
  return Json{{"requeueAfter", duration(*a.requeue())}};
}

Json to_json(const model::Condition& c) {
  return Json{{"type", c.type},
              {"status", model::to_string(c.status)},
              {"reason", c.reason},
              {"message", c.message},
              {"lastTransitionTime", model::format_timestamp(c.last_transition_time)},
              {"observedGeneration", c.observed_generation}};
}

Json to_json(const Decision& d) {
  auto conditions = [](const model::Conditions& cs) {
    Json a = Json::array();
    for (const auto& c : cs) a.push_back(to_json(c));
    return a;
  };
  Json j = Json::object();
  j["plan"] = to_json(d.plan);
  j["action"] = to_json(d.action);
  j["newRevision"] = d.new_record ? model::to_json(*d.new_record) : Json(nullptr);
  j["markAborted"] = number(d.mark_aborted);
  j["phase"] = model::to_string(d.phase);
  j["conditions"] = conditions(d.conditions);
  if (d.pin) {
    j["pin"] = Json{{"revision", d.pin->revision.value()},
                    {"generation", d.pin->generation},
                    {"rollback", d.pin->rollback}};
  } else {
    j["pin"] = nullptr;
  }
  j["pinChanged"] = d.pin_changed;
  if (d.progress) {
    j["progress"] = Json{{"revision", d.progress->revision.value()},
                         {"planHash", d.progress->plan_hash},
                         {"stepIndex", d.progress->step_index},
                         {"aborted", d.progress->aborted}};
  } else {
    j["progress"] = nullptr;
  }
  j["message"] = d.message;
  j["rollbackConditions"] = conditions(d.rollback_conditions);
  if (d.error) {
    j["error"] = Json{{"kind", model::to_string(d.error->kind)}, {"message", d.error->message}};
  } else {
    j["error"] = nullptr;
  }
  return j;
}

std::string format_plan(const Decision& d) {
  const Plan& p = d.plan;
  std::string out;
  if (d.error) {
    out += "error: " + d.error->message + "\n";
  } else if (p.steps.empty()) {
    out += "no changes: " + d.message + "\n";
  } else {
    out += std::string(p.direction == Direction::kRollback ? "roll back" : "roll forward") +
           " to revision " + (p.to ? std::to_string(p.to->value()) : std::string("?"));
    if (p.from) out += " from " + std::to_string(p.from->value());
    out += " (reason " + p.reason + ")";
    if (p.emergency) out += " [emergency]";
    if (p.dry_run) out += " [dry run: nothing is executed]";
    out += "\n";
    if (p.first_step > 0) {
      out += "resuming at step " + std::to_string(p.first_step + 1) + " of " +
             std::to_string(p.steps.size()) + "\n";
    }
    std::size_t width = 4;
    for (const auto& s : p.steps) width = std::max(width, s.id.size());
    const std::size_t num_width = std::to_string(p.steps.size()).size();
    out += "  " + pad("#", num_width) + "  " + pad("STEP", width) + "  DESCRIPTION\n";
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
      std::string n = std::to_string(i + 1);
      out += "  " + std::string(num_width - n.size(), ' ') + n + "  " + pad(p.steps[i].id, width) +
             "  " + (i < p.first_step ? "(done) " : "") + p.steps[i].description + "\n";
    }
  }
  if (d.new_record) {
    out += "history: record revision " + std::to_string(d.new_record->number.value()) + " (" +
           d.new_record->revision.image.value() + ")\n";
  }
  if (d.mark_aborted) {
    out += "history: mark revision " + std::to_string(d.mark_aborted->value()) + " aborted\n";
  }
  if (d.pin_changed) {
    out += d.pin ? "pin: revision " + std::to_string(d.pin->revision.value()) + " (Rollback " +
                       d.pin->rollback + ")\n"
                 : std::string("pin: released\n");
  }
  out +=
      "phase: " + std::string(model::to_string(d.phase)) + "; then " + to_string(d.action) + "\n";
  return out;
}

}  // namespace rwd::reconcile
