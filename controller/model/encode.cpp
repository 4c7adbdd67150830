// Release, Rollback and history records to JSON. Defaults are written out;
// absent optional blocks are left out.

#include "rewind/model/codec.hpp"

namespace rwd::model {
namespace {

// Optional fields: written only when set (or not empty).
void put_time(Json& j, const char* key, const std::optional<Timestamp>& t) {
  if (t) j[key] = format_timestamp(*t);
}

template <class T>
void put_unless_empty(Json& j, const char* key, const T& v) {
  if (!v.empty()) j[key] = v;
}

Json meta_json(const ObjectMeta& m) {
  Json j;
  j["name"] = m.name;
  j["namespace"] = m.ns;
  put_unless_empty(j, "uid", m.uid);
  if (m.generation != 0) j["generation"] = m.generation;
  put_unless_empty(j, "resourceVersion", m.resource_version);
  put_unless_empty(j, "labels", m.labels);
  put_unless_empty(j, "annotations", m.annotations);
  return j;
}

Json conditions_json(const Conditions& cs) {
  Json arr = Json::array();
  for (const auto& c : cs) {
    Json j;
    j["type"] = c.type;
    j["status"] = to_string(c.status);
    j["reason"] = c.reason;
    j["message"] = c.message;
    j["lastTransitionTime"] = format_timestamp(c.last_transition_time);
    j["observedGeneration"] = c.observed_generation;
    arr.push_back(std::move(j));
  }
  return arr;
}

Json url_source_json(const UrlSource& u) {
  Json j = Json::object();
  if (u.env) j["env"] = *u.env;
  if (u.file) j["file"] = *u.file;
  if (u.secret_key_ref) {
    j["secretKeyRef"] = Json{{"name", u.secret_key_ref->name}, {"key", u.secret_key_ref->key}};
  }
  return j;
}

Json migration_json(const MigrationSpec& m) {
  Json j;
  j["database"] = Json{{"urlFrom", url_source_json(m.database)}};
  j["driver"] = to_string(m.driver);
  put_unless_empty(j, "directory", m.directory);
  j["revision"] = m.revision;
  j["backup"] = Json{{"required", m.backup.required},
                     {"directory", m.backup.directory},
                     {"maxAge", format_duration(m.backup.max_age)},
                     {"keep", m.backup.keep}};
  put_unless_empty(j, "quiesce", m.quiesce);
  put_unless_empty(j, "verifyTables", m.verify_tables);
  if (m.max_row_loss) j["maxRowLoss"] = *m.max_row_loss;
  j["lockTimeout"] = format_duration(m.lock_timeout);
  j["statementTimeout"] = format_duration(m.statement_timeout);
  put_unless_empty(j, "upCommand", m.up_command);
  put_unless_empty(j, "downCommand", m.down_command);
  j["runIn"] = to_string(m.run_in);
  j["commandTimeout"] = format_duration(m.command_timeout);
  if (m.drill.every) j["drill"] = Json{{"every", format_duration(*m.drill.every)}};
  return j;
}

Json canary_step_json(const CanaryStep& step) {
  if (const auto* w = std::get_if<SetWeightStep>(&step)) return Json{{"setWeight", w->weight}};
  if (const auto* p = std::get_if<PauseStep>(&step)) {
    if (p->duration) return Json{{"pause", format_duration(*p->duration)}};
    return Json{{"pause", Json::object()}};
  }
  const auto& a = std::get<AnalysisStep>(step);
  Json body = Json::object();
  put_unless_empty(body, "metrics", a.metrics);
  return Json{{"analysis", body}};
}

Json strategy_json(const StrategySpec& s) {
  Json j;
  j["type"] = to_string(s.type);
  if (s.blue_green) {
    j["blueGreen"] = Json{{"autoPromote", s.blue_green->auto_promote},
                          {"scaleDownDelay", format_duration(s.blue_green->scale_down_delay)}};
    put_unless_empty(j["blueGreen"], "router", s.blue_green->router);
    if (s.blue_green->port != 0) j["blueGreen"]["port"] = s.blue_green->port;
  }
  if (s.canary) {
    Json steps = Json::array();
    for (const auto& step : s.canary->steps) steps.push_back(canary_step_json(step));
    j["canary"] = Json{{"steps", steps}};
    put_unless_empty(j["canary"], "router", s.canary->router);
    if (s.canary->port != 0) j["canary"]["port"] = s.canary->port;
  }
  return j;
}

Json health_json(const HealthCheckSpec& h) {
  Json j;
  if (h.http) {
    j["http"] = Json{{"path", h.http->path}, {"port", h.http->port}, {"scheme", h.http->scheme}};
  }
  j["interval"] = format_duration(h.interval);
  j["timeout"] = format_duration(h.timeout);
  j["successThreshold"] = h.success_threshold;
  j["failureThreshold"] = h.failure_threshold;
  return j;
}

Json analysis_json(const AnalysisSpec& a) {
  Json j;
  j["interval"] = format_duration(a.interval);
  j["window"] = format_duration(a.window);
  if (a.prometheus) j["prometheus"] = Json{{"address", a.prometheus->address}};
  if (!a.metrics.empty()) {
    Json ms = Json::array();
    for (const auto& m : a.metrics) {
      Json mj;
      mj["name"] = m.name;
      put_unless_empty(mj, "query", m.query);
      if (m.http) {
        Json h;
        h["path"] = m.http->path;
        if (m.http->port != 0) h["port"] = m.http->port;
        h["expectStatus"] = m.http->expect_status;
        put_unless_empty(h, "bodyMatch", m.http->body_match);
        h["timeout"] = format_duration(m.http->timeout);
        mj["http"] = h;
      }
      if (m.command) {
        mj["command"] =
            Json{{"argv", m.command->argv}, {"timeout", format_duration(m.command->timeout)}};
      }
      if (m.fail_if) mj["failIf"] = format_threshold(*m.fail_if);
      if (m.warn_if) mj["warnIf"] = format_threshold(*m.warn_if);
      mj["failureLimit"] = m.failure_limit;
      mj["inconclusiveLimit"] = m.inconclusive_limit;
      ms.push_back(std::move(mj));
    }
    j["metrics"] = ms;
  }
  if (a.smoke) {
    j["smoke"] =
        Json{{"command", a.smoke->command}, {"timeout", format_duration(a.smoke->timeout)}};
  }
  return j;
}

Json backup_record_json(const BackupRecord& b) {
  Json j;
  j["path"] = b.path;
  j["bytes"] = b.bytes;
  j["sha256"] = b.sha256;
  j["verified"] = b.verified;
  put_time(j, "takenAt", b.taken_at);
  return j;
}

Json migration_status_json(const MigrationStatus& m) {
  Json j = Json::object();
  put_unless_empty(j, "revision", m.revision);
  if (m.last_backup) j["lastBackup"] = backup_record_json(*m.last_backup);
  if (!m.row_counts.empty()) {
    Json rows = Json::array();
    for (const auto& r : m.row_counts) {
      Json rj{{"table", r.table}, {"before", r.before}};
      if (r.after) rj["after"] = *r.after;
      rows.push_back(std::move(rj));
    }
    j["rowCounts"] = rows;
  }
  put_unless_empty(j, "restoredFrom", m.restored_from);
  put_unless_empty(j, "keptAs", m.kept_as);
  put_unless_empty(j, "exportedRows", m.exported_rows);
  if (m.last_drill) {
    const DrillRecord& d = *m.last_drill;
    Json dj{{"at", format_timestamp(d.at)}, {"passed", d.passed}, {"seconds", d.seconds}};
    put_unless_empty(dj, "backup", d.backup);
    put_unless_empty(dj, "message", d.message);
    j["lastDrill"] = dj;
  }
  return j;
}

Json release_status_json(const ReleaseStatus& s) {
  Json j;
  j["observedGeneration"] = s.observed_generation;
  j["phase"] = to_string(s.phase);
  if (s.current_revision) j["currentRevision"] = s.current_revision->value();
  if (s.stable_revision) j["stableRevision"] = s.stable_revision->value();
  if (s.pin) {
    j["pin"] = Json{{"revision", s.pin->revision.value()},
                    {"generation", s.pin->generation},
                    {"rollback", s.pin->rollback}};
  }
  if (s.observed) {
    j["observed"] = Json{{"image", s.observed->image.value()},
                         {"configHash", s.observed->config_hash},
                         {"migrationRevision", s.observed->migration_revision}};
  }
  if (!s.conditions.empty()) j["conditions"] = conditions_json(s.conditions);
  if (s.last_rollback) {
    const LastRollback& l = *s.last_rollback;
    Json lj{{"to", l.to.value()},
            {"trigger", l.trigger},
            {"startedAt", format_timestamp(l.started_at)}};
    if (l.from.value() > 0) lj["from"] = l.from.value();  // 0: rewind did not know what ran
    put_time(lj, "finishedAt", l.finished_at);
    lj["seconds"] = l.seconds;
    if (l.emergency) lj["emergency"] = true;
    j["lastRollback"] = lj;
  }
  if (s.progress) {
    j["progress"] = Json{{"revision", s.progress->revision.value()},
                         {"planHash", s.progress->plan_hash},
                         {"stepIndex", s.progress->step_index},
                         {"aborted", s.progress->aborted}};
    put_time(j["progress"], "startedAt", s.progress->started_at);
    if (s.progress->promoted_step) j["progress"]["promotedStep"] = *s.progress->promoted_step;
  }
  if (s.migration) j["migration"] = migration_status_json(*s.migration);
  put_unless_empty(j, "message", s.message);
  return j;
}

Json rollback_status_json(const RollbackStatus& s) {
  Json j;
  j["observedGeneration"] = s.observed_generation;
  j["phase"] = to_string(s.phase);
  if (s.from_revision) j["fromRevision"] = s.from_revision->value();
  if (s.to_revision) j["toRevision"] = s.to_revision->value();
  if (!s.plan.empty()) {
    Json steps = Json::array();
    for (const auto& st : s.plan) {
      Json sj;
      sj["name"] = st.name;
      sj["description"] = st.description;
      sj["state"] = to_string(st.state);
      put_time(sj, "startedAt", st.started_at);
      put_time(sj, "finishedAt", st.finished_at);
      put_unless_empty(sj, "message", st.message);
      steps.push_back(std::move(sj));
    }
    j["plan"] = steps;
  }
  if (s.backup) j["backup"] = backup_record_json(*s.backup);
  if (!s.conditions.empty()) j["conditions"] = conditions_json(s.conditions);
  put_time(j, "startedAt", s.started_at);
  put_time(j, "finishedAt", s.finished_at);
  put_unless_empty(j, "message", s.message);
  return j;
}

}  // namespace

Json to_json(const ReleaseSpec& s) {
  Json j;
  Json target = Json::object();
  if (s.target.docker) {
    target["docker"] =
        Json{{"project", s.target.docker->project}, {"service", s.target.docker->service}};
  }
  if (s.target.kubernetes) {
    Json k{{"deployment", s.target.kubernetes->deployment}};
    put_unless_empty(k, "container", s.target.kubernetes->container);
    put_unless_empty(k, "service", s.target.kubernetes->service);
    target["kubernetes"] = k;
  }
  j["target"] = target;
  j["image"] = s.image.value();
  if (!s.config.env.empty() || !s.config.env_files.empty()) {
    Json c = Json::object();
    put_unless_empty(c, "env", s.config.env);
    put_unless_empty(c, "envFiles", s.config.env_files);
    j["config"] = c;
  }
  if (s.migration) j["migration"] = migration_json(*s.migration);
  j["strategy"] = strategy_json(s.strategy);
  if (s.health_check) j["healthCheck"] = health_json(*s.health_check);
  if (s.analysis) j["analysis"] = analysis_json(*s.analysis);
  j["rollbackPolicy"] =
      Json{{"automatic", s.rollback_policy.automatic},
           {"revisionHistoryLimit", s.rollback_policy.revision_history_limit},
           {"progressDeadline", format_duration(s.rollback_policy.progress_deadline)}};
  if (!s.notify.empty()) {
    Json n = Json::array();
    for (const auto& spec : s.notify) {
      Json e = Json::object();
      if (spec.webhook) e["webhook"] = Json{{"url", spec.webhook->url}};
      n.push_back(e);
    }
    j["notify"] = n;
  }
  return j;
}

Json to_json(const Release& r) {
  Json j;
  j["apiVersion"] = kApiVersion;
  j["kind"] = "Release";
  j["metadata"] = meta_json(r.metadata);
  j["spec"] = to_json(r.spec);
  if (r.status != ReleaseStatus{}) j["status"] = release_status_json(r.status);
  return j;
}

Json to_json(const Rollback& r) {
  Json j;
  j["apiVersion"] = kApiVersion;
  j["kind"] = "Rollback";
  j["metadata"] = meta_json(r.metadata);
  Json spec;
  spec["releaseRef"] = Json{{"name", r.spec.release_name}};
  if (r.spec.to.kind == RollbackTarget::Kind::kRevision) {
    spec["to"] = r.spec.to.revision.value();
  } else {
    spec["to"] = to_string(r.spec.to);
  }
  Json comps = Json::array();
  for (Component c : r.spec.components) comps.push_back(to_string(c));
  spec["components"] = comps;
  spec["restoreBackup"] = r.spec.restore_backup;
  spec["dryRun"] = r.spec.dry_run;
  spec["emergency"] = r.spec.emergency;
  put_unless_empty(spec, "reason", r.spec.reason);
  j["spec"] = spec;
  if (r.status != RollbackStatus{}) j["status"] = rollback_status_json(r.status);
  return j;
}

Json to_json(const Object& o) {
  return std::visit([](const auto& v) { return to_json(v); }, o);
}

Json to_json(const RevisionRecord& rec) {
  Json j;
  j["number"] = rec.number.value();
  j["hash"] = rec.hash.value();
  j["revision"] = Json{{"image", rec.revision.image.value()},
                       {"configHash", rec.revision.config_hash},
                       {"migrationRevision", rec.revision.migration_revision}};
  j["spec"] = to_json(rec.spec);
  j["generation"] = rec.generation;
  j["createdAt"] = format_timestamp(rec.created_at);
  put_time(j, "liveAt", rec.live_at);
  put_time(j, "healthyAt", rec.healthy_at);
  put_time(j, "endedAt", rec.ended_at);
  j["outcome"] = to_string(rec.outcome);
  put_unless_empty(j, "outcomeReason", rec.outcome_reason);
  if (rec.backup) j["backup"] = backup_record_json(*rec.backup);
  put_unless_empty(j, "envFileContents", rec.env_files);
  put_unless_empty(j, "downScripts", rec.down_scripts);
  return j;
}

Json to_json(const History& h) {
  Json revs = Json::array();
  for (const auto& r : h.revisions) revs.push_back(to_json(r));
  return Json{{"revisions", revs}};
}

}  // namespace rwd::model
