// A container's labels as a Release, and the services they form (pure).

#include "rewind/source/docker_labels.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

namespace rwd::source {
namespace {

namespace dl = docker_label;

// The labels that configure a Release, in the order they are listed in errors.
constexpr const char* kConfigLabels[] = {
    dl::kRelease,         dl::kNamespace,      dl::kHealthPath,       dl::kHealthPort,
    dl::kHealthInterval,  dl::kHealthTimeout,  dl::kHealthSuccess,    dl::kHealthFailure,
    dl::kStrategy,        dl::kAnalysisWindow, dl::kAnalysisInterval, dl::kAutomaticRollback,
    dl::kProgressDeadline};

// Where each validated field came from.
struct FieldLabel {
  const char* path;
  const char* label;
};
constexpr FieldLabel kFieldLabels[] = {
    {"metadata.name", dl::kRelease},
    {"spec.healthCheck.http.path", dl::kHealthPath},
    {"spec.healthCheck.http.port", dl::kHealthPort},
    {"spec.healthCheck.interval", dl::kHealthInterval},
    {"spec.healthCheck.timeout", dl::kHealthTimeout},
    {"spec.healthCheck.successThreshold", dl::kHealthSuccess},
    {"spec.healthCheck.failureThreshold", dl::kHealthFailure},
    {"spec.analysis.window", dl::kAnalysisWindow},
    {"spec.analysis.interval", dl::kAnalysisInterval},
    {"spec.rollbackPolicy.progressDeadline", dl::kProgressDeadline},
};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string label_path(const char* key) { return std::string("label ") + key; }

class Reader {
 public:
  explicit Reader(const LabelledContainer& c) : c_(c), source_(container_label(c)) {}

  [[nodiscard]] const std::string* get(const char* key) const {
    const auto it = c_.labels.find(key);
    return it == c_.labels.end() ? nullptr : &it->second;
  }
  void fail(std::string path, std::string message) {
    model::FieldError e{std::move(path), std::move(message), {}};
    errors_.push_back(model::Diagnostic{source_, std::nullopt, std::move(e)});
  }
  void fail_label(const char* key, std::string message) {
    fail(label_path(key), std::move(message));
  }

  std::optional<model::Duration> duration(const char* key) {
    const std::string* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (auto d = model::parse_duration(*v)) return d;
    fail_label(key, quoted(*v) + " is not a duration (e.g. 500ms, 90s, 5m, 1h30m)");
    return std::nullopt;
  }
  std::optional<std::int32_t> integer(const char* key, std::int32_t lo, std::int32_t hi,
                                      const char* what) {
    const std::string* v = get(key);
    if (v == nullptr) return std::nullopt;
    std::int32_t n = 0;
    const char* end = v->data() + v->size();
    const auto [ptr, ec] = std::from_chars(v->data(), end, n);
    if (v->empty() || ec != std::errc() || ptr != end || n < lo || n > hi) {
      fail_label(key, quoted(*v) + " is not " + what + " (" + std::to_string(lo) + ".." +
                          std::to_string(hi) + ")");
      return std::nullopt;
    }
    return n;
  }
  std::optional<bool> boolean(const char* key) {
    const std::string* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (*v == "true") return true;
    if (*v == "false") return false;
    fail_label(key, quoted(*v) + " is not true or false");
    return std::nullopt;
  }

  [[nodiscard]] const LabelledContainer& container() const { return c_; }
  std::vector<model::Diagnostic> take() { return std::move(errors_); }
  [[nodiscard]] bool ok() const { return errors_.empty(); }

 private:
  const LabelledContainer& c_;
  std::string source_;
  std::vector<model::Diagnostic> errors_;
};

// metadata.name and namespace. `ns_from`: the label the namespace came from
// (nullptr: the compose project).
void read_key(Reader& r, model::ObjectMeta& meta, const char*& ns_from) {
  const std::string& value = *r.get(dl::kRelease);
  const std::string* ns_label = r.get(dl::kNamespace);
  ns_from = nullptr;
  meta.ns = r.container().labels.at(dl::kComposeProject);
  meta.name = value;
  if (const auto slash = value.find('/'); slash != std::string::npos) {
    if (value.find('/', slash + 1) != std::string::npos) {
      r.fail_label(dl::kRelease, quoted(value) + " is not a name or namespace/name");
      return;
    }
    meta.ns = value.substr(0, slash);
    meta.name = value.substr(slash + 1);
    ns_from = dl::kRelease;
    if (ns_label != nullptr && *ns_label != meta.ns) {
      r.fail_label(dl::kNamespace, quoted(*ns_label) + " differs from the namespace in " +
                                       dl::kRelease + " (" + quoted(value) + ")");
    }
    return;
  }
  if (ns_label != nullptr) {
    meta.ns = *ns_label;
    ns_from = dl::kNamespace;
  }
}

void read_health(Reader& r, model::ReleaseSpec& spec) {
  const std::string* path = r.get(dl::kHealthPath);
  auto port = r.integer(dl::kHealthPort, 1, 65535, "a port");
  const auto interval = r.duration(dl::kHealthInterval);
  const auto timeout = r.duration(dl::kHealthTimeout);
  const auto success = r.integer(dl::kHealthSuccess, 1, 1000, "a whole number");
  const auto failure = r.integer(dl::kHealthFailure, 1, 1000, "a whole number");
  const bool http = path != nullptr || r.get(dl::kHealthPort) != nullptr;
  if (!http && !interval && !timeout && !success && !failure) return;
  model::HealthCheckSpec hc;
  if (interval) hc.interval = *interval;
  if (timeout) hc.timeout = *timeout;
  if (success) hc.success_threshold = *success;
  if (failure) hc.failure_threshold = *failure;
  if (http) {
    const auto& exposed = r.container().exposed_tcp_ports;
    if (!port && r.get(dl::kHealthPort) == nullptr) {
      if (exposed.size() == 1) {
        port = exposed.front();
      } else {
        std::string ports;
        for (int p : exposed) ports += (ports.empty() ? "" : ", ") + std::to_string(p);
        r.fail_label(dl::kHealthPort,
                     std::string("is required with ") + dl::kHealthPath +
                         " when the container does not expose exactly one TCP port (it exposes " +
                         (ports.empty() ? "none" : ports) + ")");
      }
    }
    hc.http = model::HttpCheck{path != nullptr ? *path : "/health", port.value_or(0), "http"};
  }
  spec.health_check = hc;
}

void read_strategy(Reader& r, model::ReleaseSpec& spec) {
  const std::string* v = r.get(dl::kStrategy);
  if (v == nullptr) return;
  const auto type = model::parse_strategy_type(*v);
  if (type == model::StrategyType::kRecreate) {
    spec.strategy.type = *type;
  } else if (type) {
    r.fail_label(dl::kStrategy,
                 quoted(*v) + " is not supported on Docker hosts yet (allowed: Recreate)");
  } else {
    r.fail_label(dl::kStrategy, quoted(*v) + " is not a strategy (allowed: Recreate)");
  }
}

void read_policy(Reader& r, model::ReleaseSpec& spec) {
  const auto window = r.duration(dl::kAnalysisWindow);
  const auto interval = r.duration(dl::kAnalysisInterval);
  if (window || interval) {
    model::AnalysisSpec a;
    if (window) a.window = *window;
    if (interval) a.interval = *interval;
    spec.analysis = a;
  }
  if (const auto automatic = r.boolean(dl::kAutomaticRollback)) {
    spec.rollback_policy.automatic = *automatic;
  }
  if (const auto deadline = r.duration(dl::kProgressDeadline)) {
    spec.rollback_policy.progress_deadline = *deadline;
  }
}

// rewind.dev/health-* and rewind.dev/analysis-* are families rewind owns
// whole: a key it does not know there is a typo.
void check_unknown(Reader& r) {
  for (const auto& [key, value] : r.container().labels) {
    const bool family =
        key.rfind("rewind.dev/health-", 0) == 0 || key.rfind("rewind.dev/analysis-", 0) == 0;
    if (!family) continue;
    if (std::find_if(std::begin(kConfigLabels), std::end(kConfigLabels),
                     [&](const char* k) { return key == k; }) != std::end(kConfigLabels)) {
      continue;
    }
    std::string known;
    for (const char* k : kConfigLabels) known += (known.empty() ? "" : ", ") + std::string(k);
    r.fail("label " + key, "is not a rewind label (known: " + known + ")");
  }
}

// validate_release's field paths, in terms of the container.
void add_validation(Reader& r, const model::Release& rel, const char* ns_from) {
  for (model::FieldError& e : model::validate_release(rel)) {
    std::string path = e.path;
    for (const auto& f : kFieldLabels) {
      if (e.path == f.path) path = label_path(f.label);
    }
    if (e.path == "metadata.namespace") {
      if (ns_from != nullptr) {
        path = label_path(ns_from);
      } else {
        path = label_path(dl::kComposeProject);
        e.message += "; it is the namespace unless the label " + std::string(dl::kNamespace) +
                     " says otherwise";
      }
    } else if (e.path == "spec.image") {
      path = "image";
    } else if (e.path.rfind("spec.config.env.", 0) == 0) {
      path = "env " + e.path.substr(std::char_traits<char>::length("spec.config.env."));
    }
    r.fail(path, e.message);
  }
}

}  // namespace

std::string container_label(const LabelledContainer& c) { return "container " + c.name; }

bool created_by_rewind(const LabelledContainer& c) { return c.labels.contains(dl::kRevision); }

LabelRead read_release_labels(const LabelledContainer& c) {
  Reader r(c);
  LabelRead out;
  if (r.get(dl::kRelease) == nullptr || !c.labels.contains(dl::kComposeProject) ||
      !c.labels.contains(dl::kComposeService)) {
    r.fail(label_path(dl::kRelease), std::string("needs the compose labels ") +
                                         dl::kComposeProject + " and " + dl::kComposeService);
    out.errors = r.take();
    return out;
  }
  model::Release rel;
  rel.metadata.annotations[dl::kSourceAnnotation] = dl::kSourceValue;
  const char* ns_from = nullptr;
  read_key(r, rel.metadata, ns_from);
  rel.spec.target.docker =
      model::DockerTarget{c.labels.at(dl::kComposeProject), c.labels.at(dl::kComposeService)};
  rel.spec.image = model::ImageRef(c.image);
  rel.spec.config.env = c.env;
  read_health(r, rel.spec);
  read_strategy(r, rel.spec);
  read_policy(r, rel.spec);
  check_unknown(r);
  if (r.ok()) add_validation(r, rel, ns_from);
  if (r.ok()) out.release = std::move(rel);
  out.errors = r.take();
  return out;
}

std::optional<model::ObjectKey> release_key(const LabelledContainer& c) {
  if (!c.labels.contains(dl::kRelease) || !c.labels.contains(dl::kComposeProject)) {
    return std::nullopt;
  }
  Reader r(c);
  model::ObjectMeta meta;
  const char* ns_from = nullptr;
  read_key(r, meta, ns_from);
  if (!r.ok() || meta.name.empty() || meta.ns.empty()) return std::nullopt;
  return meta.key();
}

ServiceGroups group_by_service(std::vector<LabelledContainer> containers) {
  ServiceGroups out;
  for (LabelledContainer& c : containers) {
    const auto oneoff = c.labels.find(dl::kComposeOneoff);
    if (oneoff != c.labels.end() && oneoff->second == "True") continue;  // `docker compose run`
    const auto project = c.labels.find(dl::kComposeProject);
    const auto service = c.labels.find(dl::kComposeService);
    if (project == c.labels.end() || service == c.labels.end()) {
      out.errors.push_back(model::Diagnostic{
          container_label(c), std::nullopt,
          model::FieldError{label_path(dl::kRelease),
                            std::string("the container is not part of a compose service (no ") +
                                dl::kComposeProject + "/" + dl::kComposeService +
                                " labels); only compose services can be Releases",
                            {}}});
      continue;
    }
    out.services[ServiceKey{project->second, service->second}].push_back(std::move(c));
  }
  for (auto& [key, list] : out.services) {
    std::sort(list.begin(), list.end(), [](const LabelledContainer& a, const LabelledContainer& b) {
      if (a.created != b.created) return a.created > b.created;
      return a.id > b.id;
    });
  }
  return out;
}

const LabelledContainer* defining_container(const std::vector<LabelledContainer>& newest_first) {
  for (const auto& c : newest_first) {
    if (!created_by_rewind(c)) return &c;
  }
  return nullptr;
}

}  // namespace rwd::source
