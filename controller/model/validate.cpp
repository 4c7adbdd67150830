// Semantic checks: ranges, exactly-one rules, names, cross-field rules.

#include <algorithm>
#include <cctype>
#include <set>

#include "decoder.hpp"

namespace rwd::model {
namespace {

class Checker {
 public:
  void fail(std::string path, std::string message) {
    errors_.push_back(FieldError{std::move(path), std::move(message), {}});
  }
  void range(const std::string& path, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi) {
      fail(path,
           std::to_string(v) + " is not within " + std::to_string(lo) + ".." + std::to_string(hi));
    }
  }
  void at_least(const std::string& path, std::int64_t v, std::int64_t lo) {
    if (v < lo) fail(path, std::to_string(v) + " is less than " + std::to_string(lo));
  }
  void positive(const std::string& path, Duration d) {
    if (d.count() <= 0) fail(path, format_duration(d) + " must be greater than 0s");
  }
  void not_empty(const std::string& path, const std::string& v) {
    if (v.empty()) fail(path, "must not be empty");
  }
  std::vector<FieldError> take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
};

bool is_dns_label(const std::string& s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool is_dns_subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!is_dns_label(s.substr(start, dot - start), 63)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool is_env_name(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_sql_identifier(const std::string& s) {
  if (s.empty() || s.size() > 127) return false;
  if (std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  });
}

bool is_http_url(const std::string& s) {
  const bool scheme = s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
  const std::size_t host = s.find("://") + 3;
  return scheme && s.size() > host && std::none_of(s.begin(), s.end(), [](char c) {
           return std::isspace(static_cast<unsigned char>(c)) != 0;
         });
}

// [registry[:port]/]path[:tag][@digest], lowercase path, tag [\w][\w.-]{0,127}.
std::string image_problem(const std::string& image) {
  if (image.empty()) return "must not be empty";
  if (std::any_of(image.begin(), image.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    return "\"" + image + "\" contains white space";
  }
  std::string name = image;
  if (const auto at = name.find('@'); at != std::string::npos) {
    const std::string digest = name.substr(at + 1);
    if (digest.rfind("sha256:", 0) != 0 || digest.size() != 71) {
      return "\"" + image + "\" has a malformed digest (expected sha256:<64 hex digits>)";
    }
    name = name.substr(0, at);
  }
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    const std::string tag = name.substr(colon + 1);
    const bool tag_ok =
        !tag.empty() && tag.size() <= 128 &&
        (std::isalnum(static_cast<unsigned char>(tag[0])) || tag[0] == '_') &&
        std::all_of(tag.begin(), tag.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        });
    if (!tag_ok) return "\"" + image + "\" has an invalid tag \"" + tag + "\"";
    name = name.substr(0, colon);
  }
  if (name.empty()) return "\"" + image + "\" has no repository name";
  // The first component may be a registry host (with a port, upper case allowed).
  const auto first_slash = name.find('/');
  std::string path = name;
  if (first_slash != std::string::npos) {
    const std::string first = name.substr(0, first_slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
        first == "localhost") {
      path = name.substr(first_slash + 1);
    }
  }
  const bool path_ok = !path.empty() && std::all_of(path.begin(), path.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' ||
           c == '-';
  });
  if (!path_ok) {
    return "\"" + image + "\" is not a valid image reference (repository must be lower case: " +
           "[registry/]name[:tag][@sha256:digest])";
  }
  return {};
}

void check_metadata(const ObjectMeta& m, Checker& c) {
  if (m.name.empty()) {
    c.fail("metadata.name", "must not be empty");
  } else if (!is_dns_subdomain(m.name)) {
    c.fail("metadata.name", "\"" + m.name +
                                "\" is not a valid name (lower case letters, digits, '-' and "
                                "'.', starting and ending with a letter or digit, at most 253)");
  }
  if (!is_dns_label(m.ns, 63)) {
    c.fail("metadata.namespace", "\"" + m.ns +
                                     "\" is not a valid namespace (lower case letters, digits "
                                     "and '-', at most 63)");
  }
}

// Empty is the platform's router; nginx serves Docker hosts, a Service
// Kubernetes.
void check_router(const ReleaseSpec& spec, const std::string& path, const std::string& router,
                  Checker& c) {
  if (router.empty()) return;
  if (router != "nginx" && router != "service") {
    c.fail(path, "\"" + router + "\" is not one of nginx, service");
  } else if (router == "nginx" && spec.target.kubernetes) {
    c.fail(path,
           "\"nginx\" routes Docker hosts; on Kubernetes the router is the Service "
           "(service, the default there)");
  } else if (router == "service" && spec.target.docker) {
    c.fail(path,
           "\"service\" is the Kubernetes Service; on a Docker host the router is nginx "
           "(the default there)");
  }
}

// Blue-green and canary send traffic to a container port: the strategy's
// own, else the health check's.
void check_traffic_port(const ReleaseSpec& spec, const std::string& path, std::int32_t port,
                        Checker& c) {
  if (port != 0) {
    c.range(path, port, 1, 65535);
    return;
  }
  if (spec.target.docker && !(spec.health_check && spec.health_check->http)) {
    c.fail(path,
           "is required when spec.healthCheck.http is not set: the container port that "
           "the router sends traffic to");
  }
}

void check_strategy(const ReleaseSpec& spec, Checker& c) {
  const StrategySpec& s = spec.strategy;
  const std::string type = to_string(s.type);
  if (s.type == StrategyType::kBlueGreen) {
    check_traffic_port(spec, "spec.strategy.blueGreen.port", s.blue_green ? s.blue_green->port : 0,
                       c);
  }
  if (s.type == StrategyType::kCanary && s.canary) {
    check_traffic_port(spec, "spec.strategy.canary.port", s.canary->port, c);
  }
  if (s.blue_green && s.type != StrategyType::kBlueGreen) {
    c.fail("spec.strategy.blueGreen",
           "is only allowed when spec.strategy.type is BlueGreen (it is " + type + ")");
  }
  if (s.canary && s.type != StrategyType::kCanary) {
    c.fail("spec.strategy.canary",
           "is only allowed when spec.strategy.type is Canary (it is " + type + ")");
  }
  if (s.blue_green) {
    check_router(spec, "spec.strategy.blueGreen.router", s.blue_green->router, c);
    if (s.blue_green->scale_down_delay.count() < 0) {
      c.fail("spec.strategy.blueGreen.scaleDownDelay", "must not be negative");
    }
  }
  if (s.type == StrategyType::kCanary && !s.canary) {
    c.fail("spec.strategy.canary", "is required when spec.strategy.type is Canary");
  }
  if (!s.canary) return;
  check_router(spec, "spec.strategy.canary.router", s.canary->router, c);
  if (s.canary->steps.empty()) c.fail("spec.strategy.canary.steps", "must have at least one step");
  std::set<std::string> metric_names;
  if (spec.analysis) {
    for (const auto& m : spec.analysis->metrics) metric_names.insert(m.name);
  }
  for (std::size_t i = 0; i < s.canary->steps.size(); ++i) {
    const std::string p = "spec.strategy.canary.steps[" + std::to_string(i) + "]";
    const CanaryStep& step = s.canary->steps[i];
    if (const auto* w = std::get_if<SetWeightStep>(&step)) {
      c.range(p + ".setWeight", w->weight, 0, 100);
    } else if (const auto* pause = std::get_if<PauseStep>(&step)) {
      if (pause->duration) c.positive(p + ".pause", *pause->duration);
    } else if (const auto* a = std::get_if<AnalysisStep>(&step)) {
      if (!spec.analysis || (spec.analysis->metrics.empty() && !spec.analysis->smoke)) {
        c.fail(p + ".analysis", "needs spec.analysis with at least one metric or a smoke test");
      }
      for (std::size_t j = 0; j < a->metrics.size(); ++j) {
        if (!metric_names.contains(a->metrics[j])) {
          c.fail(p + ".analysis.metrics[" + std::to_string(j) + "]",
                 "\"" + a->metrics[j] + "\" is not a metric of spec.analysis.metrics");
        }
      }
    }
  }
}

void check_migration(const MigrationSpec& m, Checker& c) {
  const UrlSource& u = m.database;
  const int sources =
      int{u.env.has_value()} + int{u.file.has_value()} + int{u.secret_key_ref.has_value()};
  if (sources != 1) {
    c.fail("spec.migration.database.urlFrom",
           "must set exactly one of env, file, secretKeyRef (got " + std::to_string(sources) + ")");
  }
  if (u.env && !is_env_name(*u.env)) {
    c.fail("spec.migration.database.urlFrom.env",
           "\"" + *u.env + "\" is not a valid variable name");
  }
  if (u.file) c.not_empty("spec.migration.database.urlFrom.file", *u.file);
  if (u.secret_key_ref) {
    c.not_empty("spec.migration.database.urlFrom.secretKeyRef.name", u.secret_key_ref->name);
    c.not_empty("spec.migration.database.urlFrom.secretKeyRef.key", u.secret_key_ref->key);
  }
  c.not_empty("spec.migration.revision", m.revision);
  if (m.driver == MigrationDriver::kSqlDir) {
    if (m.directory.empty()) {
      c.fail("spec.migration.directory", "is required when spec.migration.driver is sql-dir");
    }
    if (!m.revision.empty() && m.revision.find_first_not_of("0123456789") != std::string::npos) {
      c.fail("spec.migration.revision",
             "\"" + m.revision + "\" is not a sql-dir revision (digits, as in 0007_name.up.sql)");
    }
  }
  c.not_empty("spec.migration.backup.directory", m.backup.directory);
  c.positive("spec.migration.backup.maxAge", m.backup.max_age);
  c.range("spec.migration.backup.keep", m.backup.keep, 1, 1000);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < m.quiesce.size(); ++i) {
    const std::string p = "spec.migration.quiesce[" + std::to_string(i) + "]";
    if (m.quiesce[i].empty()) c.fail(p, "must not be empty");
    if (!seen.insert(m.quiesce[i]).second) c.fail(p, "\"" + m.quiesce[i] + "\" is listed twice");
  }
  for (std::size_t i = 0; i < m.verify_tables.size(); ++i) {
    if (!is_sql_identifier(m.verify_tables[i])) {
      c.fail("spec.migration.verifyTables[" + std::to_string(i) + "]",
             "\"" + m.verify_tables[i] + "\" is not a table name ([schema.]name)");
    }
  }
  if (m.max_row_loss && *m.max_row_loss < 0) {
    c.fail("spec.migration.maxRowLoss",
           std::to_string(*m.max_row_loss) + " must be 0 or more (rows)");
  }
  if (m.driver != MigrationDriver::kSqlDir) {
    for (const auto* cmd : {&m.up_command, &m.down_command}) {
      const char* field =
          cmd == &m.up_command ? "spec.migration.upCommand" : "spec.migration.downCommand";
      if (!cmd->empty() && std::none_of(cmd->begin(), cmd->end(), [](const std::string& a) {
            return a.find("{{revision}}") != std::string::npos;
          })) {
        c.fail(field, "must contain {{revision}} (replaced by the target schema revision)");
      }
    }
  } else if (!m.up_command.empty() || !m.down_command.empty()) {
    c.fail(m.up_command.empty() ? "spec.migration.downCommand" : "spec.migration.upCommand",
           "is for alembic, golang-migrate and flyway; sql-dir runs the scripts of "
           "migration.directory");
  }
  c.positive("spec.migration.commandTimeout", m.command_timeout);
  if (m.drill.every) c.positive("spec.migration.drill.every", *m.drill.every);
  c.positive("spec.migration.lockTimeout", m.lock_timeout);
  c.positive("spec.migration.statementTimeout", m.statement_timeout);
}

void check_health(const HealthCheckSpec& h, Checker& c) {
  if (h.http) {
    c.range("spec.healthCheck.http.port", h.http->port, 1, 65535);
    if (h.http->path.empty() || h.http->path.front() != '/') {
      c.fail("spec.healthCheck.http.path", "\"" + h.http->path + "\" must start with /");
    }
    if (h.http->scheme != "http" && h.http->scheme != "https") {
      c.fail("spec.healthCheck.http.scheme",
             "\"" + h.http->scheme + "\" is not one of http, https");
    }
  }
  c.positive("spec.healthCheck.interval", h.interval);
  c.positive("spec.healthCheck.timeout", h.timeout);
  c.range("spec.healthCheck.successThreshold", h.success_threshold, 1, 1000);
  c.range("spec.healthCheck.failureThreshold", h.failure_threshold, 1, 1000);
}

// Exactly one of query, http, command, each with what it needs.
void check_metric_provider(const MetricSpec& m, const std::string& p, Checker& c) {
  std::vector<std::string> set;
  if (!m.query.empty()) set.emplace_back("query");
  if (m.http) set.emplace_back("http");
  if (m.command) set.emplace_back("command");
  if (set.size() != 1) {
    std::string got = set.empty() ? "none" : set.front();
    for (std::size_t i = 1; i < set.size(); ++i) {
      got += (i + 1 == set.size() ? " and " : ", ") + set[i];
    }
    c.fail(p, "must set exactly one of query, http, command (got " + got + ")");
  }
  // http fails on its status and body alone; command defaults to failIf "!= 0".
  if (!m.query.empty() && !m.fail_if && !m.warn_if) c.fail(p, "needs failIf, warnIf or both");
  if (m.http) {
    c.range(p + ".http.port", m.http->port, 0, 65535);
    if (m.http->path.empty() || m.http->path.front() != '/') {
      c.fail(p + ".http.path", "\"" + m.http->path + "\" must start with /");
    }
    c.range(p + ".http.expectStatus", m.http->expect_status, 100, 599);
    c.positive(p + ".http.timeout", m.http->timeout);
  }
  if (m.command) {
    if (m.command->argv.empty()) {
      c.fail(p + ".command.argv", "must not be empty");
    } else {
      c.not_empty(p + ".command.argv[0]", m.command->argv.front());
    }
    c.positive(p + ".command.timeout", m.command->timeout);
  }
}

void check_analysis(const AnalysisSpec& a, Checker& c) {
  c.positive("spec.analysis.interval", a.interval);
  c.positive("spec.analysis.window", a.window);
  if (a.prometheus && !is_http_url(a.prometheus->address)) {
    c.fail("spec.analysis.prometheus.address",
           "\"" + a.prometheus->address + "\" is not an http:// or https:// URL");
  }
  const auto queried = std::find_if(a.metrics.begin(), a.metrics.end(),
                                    [](const MetricSpec& m) { return !m.query.empty(); });
  if (queried != a.metrics.end() && !a.prometheus) {
    c.fail("spec.analysis.prometheus",
           "is required when a metric has a query (spec.analysis.metrics[" +
               std::to_string(queried - a.metrics.begin()) + "], \"" + queried->name + "\")");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < a.metrics.size(); ++i) {
    const MetricSpec& m = a.metrics[i];
    const std::string p = "spec.analysis.metrics[" + std::to_string(i) + "]";
    if (!is_dns_label(m.name, 63)) {
      c.fail(p + ".name",
             "\"" + m.name + "\" is not a valid metric name (lower case letters, digits and '-')");
    } else if (!names.insert(m.name).second) {
      c.fail(p + ".name", "\"" + m.name + "\" is used by another metric");
    }
    check_metric_provider(m, p, c);
    c.at_least(p + ".failureLimit", m.failure_limit, 0);
    c.at_least(p + ".inconclusiveLimit", m.inconclusive_limit, 0);
  }
  if (a.smoke) {
    if (a.smoke->command.empty()) c.fail("spec.analysis.smoke.command", "must not be empty");
    c.positive("spec.analysis.smoke.timeout", a.smoke->timeout);
  }
}

}  // namespace

std::vector<FieldError> validate_release(const Release& r) {
  Checker c;
  check_metadata(r.metadata, c);
  const ReleaseSpec& s = r.spec;
  const int targets = int{s.target.docker.has_value()} + int{s.target.kubernetes.has_value()};
  if (targets != 1) {
    c.fail("spec.target", std::string("must set exactly one of docker, kubernetes (got ") +
                              (targets == 0 ? "none" : "both") + ")");
  }
  if (s.target.docker) {
    c.not_empty("spec.target.docker.project", s.target.docker->project);
    c.not_empty("spec.target.docker.service", s.target.docker->service);
  }
  if (s.target.kubernetes) {
    if (!is_dns_subdomain(s.target.kubernetes->deployment)) {
      c.fail("spec.target.kubernetes.deployment",
             "\"" + s.target.kubernetes->deployment + "\" is not a valid Deployment name");
    }
    if (!s.target.kubernetes->service.empty() && !is_dns_label(s.target.kubernetes->service, 63)) {
      c.fail("spec.target.kubernetes.service",
             "\"" + s.target.kubernetes->service +
                 "\" is not a valid Service name (lower case letters, digits and '-', at most 63)");
    }
  }
  if (auto problem = image_problem(s.image.value()); !problem.empty())
    c.fail("spec.image", problem);
  for (const auto& [key, value] : s.config.env) {
    if (!is_env_name(key)) {
      c.fail(
          "spec.config.env." + key,
          "\"" + key +
              "\" is not a valid variable name (letters, digits and _, not starting with a digit)");
    }
  }
  for (std::size_t i = 0; i < s.config.env_files.size(); ++i) {
    c.not_empty("spec.config.envFiles[" + std::to_string(i) + "]", s.config.env_files[i]);
  }
  if (s.migration) check_migration(*s.migration, c);
  check_strategy(s, c);
  if (s.health_check) check_health(*s.health_check, c);
  if (s.analysis) check_analysis(*s.analysis, c);
  c.range("spec.rollbackPolicy.revisionHistoryLimit", s.rollback_policy.revision_history_limit, 1,
          100);
  c.positive("spec.rollbackPolicy.progressDeadline", s.rollback_policy.progress_deadline);
  for (std::size_t i = 0; i < s.notify.size(); ++i) {
    const std::string p = "spec.notify[" + std::to_string(i) + "]";
    if (!s.notify[i].webhook) {
      c.fail(p, "must set webhook");
    } else if (!is_http_url(s.notify[i].webhook->url)) {
      c.fail(p + ".webhook.url",
             "\"" + s.notify[i].webhook->url + "\" is not an http:// or https:// URL");
    }
  }
  return c.take();
}

std::vector<FieldError> validate_rollback(const Rollback& r) {
  Checker c;
  check_metadata(r.metadata, c);
  const RollbackSpec& s = r.spec;
  if (!is_dns_subdomain(s.release_name)) {
    c.fail("spec.releaseRef.name", "\"" + s.release_name + "\" is not a valid Release name");
  }
  if (s.components.empty())
    c.fail("spec.components", "must name at least one of image, config, migration");
  std::set<Component> seen;
  for (std::size_t i = 0; i < s.components.size(); ++i) {
    if (!seen.insert(s.components[i]).second) {
      c.fail("spec.components[" + std::to_string(i) + "]",
             std::string("\"") + to_string(s.components[i]) + "\" is listed twice");
    }
  }
  if (s.restore_backup && !s.includes(Component::kMigration)) {
    c.fail("spec.restoreBackup", "needs \"migration\" in spec.components");
  }
  return c.take();
}

std::vector<FieldError> validate(const Object& o) {
  return std::visit(
      [](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, Release>) {
          return validate_release(v);
        } else {
          return validate_rollback(v);
        }
      },
      o);
}

}  // namespace rwd::model
