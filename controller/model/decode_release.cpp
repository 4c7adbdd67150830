// Release: spec and status from a Node tree.

#include <limits>

#include "decoder.hpp"

namespace rwd::model::detail {
namespace {

constexpr std::string_view kStrategies = "Recreate, BlueGreen, Canary";
constexpr std::string_view kDrivers = "sql-dir, alembic, golang-migrate, flyway";
constexpr std::string_view kCommandPlaces = "image, host";
constexpr std::string_view kPhases =
    "Pending, Progressing, Paused, Healthy, Degraded, RolledBack, Failed";

std::optional<std::int64_t> read_count(const Node& n, const std::string& p, Ctx& c) {
  return read_int(n, p, c);
}

template <class T>
bool read_i32(Fields& f, std::string_view key, T& out) {
  std::int64_t v = out;
  if (!read_into(f, key, v, read_count)) return false;
  out = static_cast<T>(v);
  return true;
}

void decode_target(const Node& n, const std::string& path, Ctx& ctx, Target& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* d = f.optional("docker")) {
    Fields df(*d, f.path("docker"), ctx);
    if (df.valid()) {
      DockerTarget t;
      if (const Node* p = df.required("project")) {
        if (auto s = read_string(*p, df.path("project"), ctx)) t.project = *s;
      }
      if (const Node* s = df.required("service")) {
        if (auto v = read_string(*s, df.path("service"), ctx)) t.service = *v;
      }
      df.finish();
      out.docker = t;
    }
  }
  if (const Node* k = f.optional("kubernetes")) {
    Fields kf(*k, f.path("kubernetes"), ctx);
    if (kf.valid()) {
      KubernetesTarget t;
      if (const Node* d = kf.required("deployment")) {
        if (auto s = read_string(*d, kf.path("deployment"), ctx)) t.deployment = *s;
      }
      read_into(kf, "container", t.container, read_string);
      read_into(kf, "service", t.service, read_string);
      kf.finish();
      out.kubernetes = t;
    }
  }
  f.finish();
}

void decode_config(const Node& n, const std::string& path, Ctx& ctx, ConfigSpec& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  read_into(f, "env", out.env, read_string_map);
  read_into(f, "envFiles", out.env_files, read_string_list);
  f.finish();
}

void decode_url_source(const Node& n, const std::string& path, Ctx& ctx, UrlSource& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* e = f.optional("env")) out.env = read_string(*e, f.path("env"), ctx);
  if (const Node* fl = f.optional("file")) out.file = read_string(*fl, f.path("file"), ctx);
  if (const Node* s = f.optional("secretKeyRef")) {
    Fields sf(*s, f.path("secretKeyRef"), ctx);
    if (sf.valid()) {
      SecretKeyRef ref;
      if (const Node* nm = sf.required("name")) {
        if (auto v = read_string(*nm, sf.path("name"), ctx)) ref.name = *v;
      }
      if (const Node* k = sf.required("key")) {
        if (auto v = read_string(*k, sf.path("key"), ctx)) ref.key = *v;
      }
      sf.finish();
      out.secret_key_ref = ref;
    }
  }
  f.finish();
}

void decode_migration(const Node& n, const std::string& path, Ctx& ctx, MigrationSpec& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* db = f.required("database")) {
    Fields dbf(*db, f.path("database"), ctx);
    if (dbf.valid()) {
      if (const Node* u = dbf.required("urlFrom")) {
        decode_url_source(*u, dbf.path("urlFrom"), ctx, out.database);
      }
      dbf.finish();
    }
  }
  if (const Node* d = f.optional("driver")) {
    if (auto v = read_enum<MigrationDriver>(*d, f.path("driver"), ctx, parse_migration_driver,
                                            kDrivers)) {
      out.driver = *v;
    }
  }
  read_into(f, "directory", out.directory, read_string);
  if (const Node* r = f.required("revision")) {
    if (auto v = read_string(*r, f.path("revision"), ctx)) out.revision = *v;
  }
  if (const Node* b = f.optional("backup")) {
    Fields bf(*b, f.path("backup"), ctx);
    if (bf.valid()) {
      read_into(bf, "required", out.backup.required, read_bool);
      read_into(bf, "directory", out.backup.directory, read_string);
      read_into(bf, "maxAge", out.backup.max_age, read_duration);
      read_i32(bf, "keep", out.backup.keep);
      bf.finish();
    }
  }
  read_into(f, "quiesce", out.quiesce, read_string_list);
  read_into(f, "verifyTables", out.verify_tables, read_string_list);
  read_into(f, "maxRowLoss", out.max_row_loss, read_int64);
  read_into(f, "lockTimeout", out.lock_timeout, read_duration);
  read_into(f, "statementTimeout", out.statement_timeout, read_duration);
  read_into(f, "upCommand", out.up_command, read_string_list);
  read_into(f, "downCommand", out.down_command, read_string_list);
  if (const Node* r = f.optional("runIn")) {
    if (auto v = read_enum<CommandPlace>(*r, f.path("runIn"), ctx, parse_command_place,
                                         kCommandPlaces)) {
      out.run_in = *v;
    }
  }
  read_into(f, "commandTimeout", out.command_timeout, read_duration);
  if (const Node* d = f.optional("drill")) {
    Fields df(*d, f.path("drill"), ctx);
    if (df.valid()) {
      read_into(df, "every", out.drill.every, read_duration);
      df.finish();
    }
  }
  f.finish();
}

std::optional<CanaryStep> decode_canary_step(const Node& n, const std::string& path, Ctx& ctx) {
  ctx.seen(path, n);
  if (!n.is_mapping() || n.entries().size() != 1) {
    ctx.fail(path, n,
             "must be a mapping with exactly one of setWeight, pause, analysis, got " +
                 (n.is_mapping() ? std::to_string(n.entries().size()) + " keys" : n.kind_name()));
    return std::nullopt;
  }
  const auto& [key, value] = n.entries().front();
  const std::string p = join(path, key);
  ctx.seen(p, value);
  if (key == "setWeight") {
    auto w = read_int(value, p, ctx);
    if (!w) return std::nullopt;
    return SetWeightStep{static_cast<std::int32_t>(*w)};
  }
  if (key == "pause") {
    PauseStep step;
    if (value.is_null()) return step;
    if (value.is_mapping()) {
      Fields pf(value, p, ctx);
      read_into(pf, "duration", step.duration, read_duration);
      pf.finish();
      return step;
    }
    auto d = read_duration(value, p, ctx);
    if (!d) return std::nullopt;
    step.duration = *d;
    return step;
  }
  if (key == "analysis") {
    AnalysisStep step;
    if (value.is_null()) return step;
    Fields af(value, p, ctx);
    if (!af.valid()) return std::nullopt;
    read_into(af, "metrics", step.metrics, read_string_list);
    af.finish();
    return step;
  }
  ctx.fail(p, value, "unknown step \"" + key + "\" (allowed: setWeight, pause, analysis)");
  return std::nullopt;
}

void decode_strategy(const Node& n, const std::string& path, Ctx& ctx, StrategySpec& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* t = f.optional("type")) {
    if (auto v =
            read_enum<StrategyType>(*t, f.path("type"), ctx, parse_strategy_type, kStrategies)) {
      out.type = *v;
    }
  }
  if (const Node* b = f.optional("blueGreen")) {
    Fields bf(*b, f.path("blueGreen"), ctx);
    if (bf.valid()) {
      BlueGreenSpec bg;
      read_into(bf, "router", bg.router, read_string);
      read_into(bf, "autoPromote", bg.auto_promote, read_bool);
      read_into(bf, "scaleDownDelay", bg.scale_down_delay, read_duration);
      read_i32(bf, "port", bg.port);
      bf.finish();
      out.blue_green = bg;
    }
  }
  if (const Node* c = f.optional("canary")) {
    Fields cf(*c, f.path("canary"), ctx);
    if (cf.valid()) {
      CanarySpec canary;
      read_into(cf, "router", canary.router, read_string);
      read_i32(cf, "port", canary.port);
      if (const Node* steps = cf.required("steps")) {
        const std::string sp = cf.path("steps");
        if (!steps->is_sequence()) {
          ctx.fail(sp, *steps, "must be a list of steps, got " + steps->kind_name());
        } else {
          for (std::size_t i = 0; i < steps->items().size(); ++i) {
            if (auto s = decode_canary_step(steps->items()[i], index(sp, i), ctx)) {
              canary.steps.push_back(*s);
            }
          }
        }
      }
      cf.finish();
      out.canary = canary;
    }
  }
  f.finish();
}

void decode_health_check(const Node& n, const std::string& path, Ctx& ctx, HealthCheckSpec& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* h = f.optional("http")) {
    Fields hf(*h, f.path("http"), ctx);
    if (hf.valid()) {
      HttpCheck http;
      read_into(hf, "path", http.path, read_string);
      if (hf.required("port") != nullptr) read_i32(hf, "port", http.port);
      read_into(hf, "scheme", http.scheme, read_string);
      hf.finish();
      out.http = http;
    }
  }
  read_into(f, "interval", out.interval, read_duration);
  read_into(f, "timeout", out.timeout, read_duration);
  read_i32(f, "successThreshold", out.success_threshold);
  read_i32(f, "failureThreshold", out.failure_threshold);
  f.finish();
}

void decode_metric(const Node& n, const std::string& path, Ctx& ctx, MetricSpec& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* nm = f.required("name")) {
    if (auto v = read_string(*nm, f.path("name"), ctx)) out.name = *v;
  }
  // Exactly one of query, http, command: checked by validate_release, which
  // names them all when none or several are given.
  read_into(f, "query", out.query, read_string);
  if (const Node* h = f.optional("http")) {
    Fields hf(*h, f.path("http"), ctx);
    if (hf.valid()) {
      HttpMetric http;
      read_into(hf, "path", http.path, read_string);
      read_i32(hf, "port", http.port);
      read_i32(hf, "expectStatus", http.expect_status);
      read_into(hf, "bodyMatch", http.body_match, read_string);
      read_into(hf, "timeout", http.timeout, read_duration);
      hf.finish();
      out.http = http;
    }
  }
  if (const Node* c = f.optional("command")) {
    Fields cf(*c, f.path("command"), ctx);
    if (cf.valid()) {
      CommandMetric command;
      if (const Node* a = cf.required("argv")) {
        if (auto v = read_string_list(*a, cf.path("argv"), ctx)) command.argv = *v;
      }
      read_into(cf, "timeout", command.timeout, read_duration);
      cf.finish();
      out.command = command;
    }
  }
  if (const Node* t = f.optional("failIf")) out.fail_if = read_threshold(*t, f.path("failIf"), ctx);
  if (const Node* t = f.optional("warnIf")) out.warn_if = read_threshold(*t, f.path("warnIf"), ctx);
  read_i32(f, "failureLimit", out.failure_limit);
  read_i32(f, "inconclusiveLimit", out.inconclusive_limit);
  f.finish();
}

void decode_analysis(const Node& n, const std::string& path, Ctx& ctx, AnalysisSpec& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  read_into(f, "interval", out.interval, read_duration);
  read_into(f, "window", out.window, read_duration);
  if (const Node* p = f.optional("prometheus")) {
    Fields pf(*p, f.path("prometheus"), ctx);
    if (pf.valid()) {
      PrometheusSpec prom;
      if (const Node* a = pf.required("address")) {
        if (auto v = read_string(*a, pf.path("address"), ctx)) prom.address = *v;
      }
      pf.finish();
      out.prometheus = prom;
    }
  }
  if (const Node* m = f.optional("metrics")) {
    const std::string mp = f.path("metrics");
    if (!m->is_sequence()) {
      ctx.fail(mp, *m, "must be a list of metrics, got " + m->kind_name());
    } else {
      for (std::size_t i = 0; i < m->items().size(); ++i) {
        MetricSpec metric;
        decode_metric(m->items()[i], index(mp, i), ctx, metric);
        out.metrics.push_back(std::move(metric));
      }
    }
  }
  if (const Node* s = f.optional("smoke")) {
    Fields sf(*s, f.path("smoke"), ctx);
    if (sf.valid()) {
      SmokeSpec smoke;
      if (const Node* c = sf.required("command")) {
        if (auto v = read_string_list(*c, sf.path("command"), ctx)) smoke.command = *v;
      }
      read_into(sf, "timeout", smoke.timeout, read_duration);
      sf.finish();
      out.smoke = smoke;
    }
  }
  f.finish();
}

void decode_rollback_policy(const Node& n, const std::string& path, Ctx& ctx, RollbackPolicy& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  read_into(f, "automatic", out.automatic, read_bool);
  read_i32(f, "revisionHistoryLimit", out.revision_history_limit);
  read_into(f, "progressDeadline", out.progress_deadline, read_duration);
  f.finish();
}

void decode_notify(const Node& n, const std::string& path, Ctx& ctx, std::vector<NotifySpec>& out) {
  ctx.seen(path, n);
  if (!n.is_sequence()) {
    ctx.fail(path, n, "must be a list of notifiers, got " + n.kind_name());
    return;
  }
  for (std::size_t i = 0; i < n.items().size(); ++i) {
    Fields f(n.items()[i], index(path, i), ctx);
    if (!f.valid()) continue;
    NotifySpec spec;
    if (const Node* w = f.optional("webhook")) {
      Fields wf(*w, f.path("webhook"), ctx);
      if (wf.valid()) {
        WebhookSpec hook;
        if (const Node* u = wf.required("url")) {
          if (auto v = read_string(*u, wf.path("url"), ctx)) hook.url = *v;
        }
        wf.finish();
        spec.webhook = hook;
      }
    }
    f.finish();
    out.push_back(std::move(spec));
  }
}

std::optional<RowCount> decode_row_count(const Node& n, const std::string& path, Ctx& ctx) {
  Fields f(n, path, ctx);
  if (!f.valid()) return std::nullopt;
  RowCount r;
  read_into(f, "table", r.table, read_string);
  read_into(f, "before", r.before, read_int64);
  read_into(f, "after", r.after, read_int64);
  f.finish();
  return r;
}

MigrationStatus decode_migration_status(const Node& n, const std::string& path, Ctx& ctx) {
  MigrationStatus out;
  Fields f(n, path, ctx);
  if (!f.valid()) return out;
  read_into(f, "revision", out.revision, read_string);
  if (const Node* b = f.optional("lastBackup")) {
    out.last_backup = decode_backup_record(*b, f.path("lastBackup"), ctx);
  }
  if (const Node* rows = f.optional("rowCounts")) {
    const std::string rp = f.path("rowCounts");
    if (!rows->is_sequence()) {
      ctx.fail(rp, *rows, "must be a list of {table, before, after}, got " + rows->kind_name());
    } else {
      for (std::size_t i = 0; i < rows->items().size(); ++i) {
        if (auto r = decode_row_count(rows->items()[i], index(rp, i), ctx)) {
          out.row_counts.push_back(*r);
        }
      }
    }
  }
  read_into(f, "restoredFrom", out.restored_from, read_string);
  read_into(f, "keptAs", out.kept_as, read_string);
  read_into(f, "exportedRows", out.exported_rows, read_string);
  if (const Node* d = f.optional("lastDrill")) {
    Fields df(*d, f.path("lastDrill"), ctx);
    if (df.valid()) {
      DrillRecord r;
      read_into(df, "at", r.at, read_timestamp);
      read_into(df, "passed", r.passed, read_bool);
      read_into(df, "seconds", r.seconds, read_double);
      read_into(df, "backup", r.backup, read_string);
      read_into(df, "message", r.message, read_string);
      df.finish();
      out.last_drill = r;
    }
  }
  f.finish();
  return out;
}

void decode_release_status(const Node& n, const std::string& path, Ctx& ctx, ReleaseStatus& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  read_into(f, "observedGeneration", out.observed_generation, read_int64);
  if (const Node* p = f.optional("phase")) {
    if (auto v = read_enum<ReleasePhase>(*p, f.path("phase"), ctx, parse_release_phase, kPhases)) {
      out.phase = *v;
    }
  }
  read_into(f, "currentRevision", out.current_revision, read_revision_number);
  read_into(f, "stableRevision", out.stable_revision, read_revision_number);
  if (const Node* p = f.optional("pin")) {
    Fields pf(*p, f.path("pin"), ctx);
    if (pf.valid()) {
      Pin pin;
      if (const Node* r = pf.required("revision")) {
        if (auto v = read_revision_number(*r, pf.path("revision"), ctx)) pin.revision = *v;
      }
      read_into(pf, "generation", pin.generation, read_int64);
      read_into(pf, "rollback", pin.rollback, read_string);
      pf.finish();
      out.pin = pin;
    }
  }
  if (const Node* o = f.optional("observed")) {
    Fields of(*o, f.path("observed"), ctx);
    if (of.valid()) {
      ObservedRevision obs;
      std::string image;
      read_into(of, "image", image, read_string);
      obs.image = ImageRef{image};
      read_into(of, "configHash", obs.config_hash, read_string);
      read_into(of, "migrationRevision", obs.migration_revision, read_string);
      of.finish();
      out.observed = obs;
    }
  }
  if (const Node* c = f.optional("conditions")) {
    decode_conditions(*c, f.path("conditions"), ctx, out.conditions);
  }
  if (const Node* l = f.optional("lastRollback")) {
    Fields lf(*l, f.path("lastRollback"), ctx);
    if (lf.valid()) {
      LastRollback lr;
      read_into(lf, "from", lr.from, read_revision_number);
      read_into(lf, "to", lr.to, read_revision_number);
      read_into(lf, "trigger", lr.trigger, read_string);
      read_into(lf, "startedAt", lr.started_at, read_timestamp);
      read_into(lf, "finishedAt", lr.finished_at, read_timestamp);
      read_into(lf, "seconds", lr.seconds, read_double);
      read_into(lf, "emergency", lr.emergency, read_bool);
      lf.finish();
      out.last_rollback = lr;
    }
  }
  if (const Node* p = f.optional("progress")) {
    Fields pf(*p, f.path("progress"), ctx);
    if (pf.valid()) {
      PlanProgress pr;
      read_into(pf, "revision", pr.revision, read_revision_number);
      read_into(pf, "planHash", pr.plan_hash, read_string);
      read_i32(pf, "stepIndex", pr.step_index);
      read_into(pf, "aborted", pr.aborted, read_bool);
      read_into(pf, "startedAt", pr.started_at, read_timestamp);
      if (pf.optional("promotedStep") != nullptr) {
        std::int32_t promoted = 0;
        if (read_i32(pf, "promotedStep", promoted)) pr.promoted_step = promoted;
      }
      pf.finish();
      out.progress = pr;
    }
  }
  if (const Node* m = f.optional("migration")) {
    out.migration = decode_migration_status(*m, f.path("migration"), ctx);
  }
  read_into(f, "message", out.message, read_string);
  f.finish();
}

}  // namespace

std::optional<ReleaseSpec> decode_release_spec(const Node& n, const std::string& path, Ctx& ctx) {
  Fields f(n, path, ctx);
  if (!f.valid()) return std::nullopt;
  ReleaseSpec spec;
  if (const Node* t = f.required("target")) decode_target(*t, f.path("target"), ctx, spec.target);
  if (const Node* i = f.required("image")) {
    if (auto v = read_string(*i, f.path("image"), ctx)) spec.image = ImageRef{*v};
  }
  if (const Node* c = f.optional("config")) decode_config(*c, f.path("config"), ctx, spec.config);
  if (const Node* m = f.optional("migration")) {
    spec.migration.emplace();
    decode_migration(*m, f.path("migration"), ctx, *spec.migration);
  }
  if (const Node* s = f.optional("strategy")) {
    decode_strategy(*s, f.path("strategy"), ctx, spec.strategy);
  }
  if (const Node* h = f.optional("healthCheck")) {
    spec.health_check.emplace();
    decode_health_check(*h, f.path("healthCheck"), ctx, *spec.health_check);
  }
  if (const Node* a = f.optional("analysis")) {
    spec.analysis.emplace();
    decode_analysis(*a, f.path("analysis"), ctx, *spec.analysis);
  }
  if (const Node* r = f.optional("rollbackPolicy")) {
    decode_rollback_policy(*r, f.path("rollbackPolicy"), ctx, spec.rollback_policy);
  }
  if (const Node* nt = f.optional("notify")) decode_notify(*nt, f.path("notify"), ctx, spec.notify);
  f.finish();
  return spec;  // partial when errors were reported: the caller counts them
}

Release decode_release_body(Fields& root) {
  Ctx& ctx = root.ctx();
  Release r;
  if (const Node* m = root.required("metadata")) decode_metadata(*m, "metadata", ctx, r.metadata);
  if (const Node* s = root.required("spec")) {
    if (auto spec = decode_release_spec(*s, "spec", ctx)) r.spec = std::move(*spec);
  }
  if (const Node* st = root.optional("status")) decode_release_status(*st, "status", ctx, r.status);
  root.finish();
  return r;
}

}  // namespace rwd::model::detail
