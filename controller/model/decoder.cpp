#include "decoder.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace rwd::model::detail {

void Ctx::fail(const std::string& path, const Node& at, std::string message) {
  fail(path, at.mark(), std::move(message));
}

void Ctx::fail(const std::string& path, Mark at, std::string message) {
  errors_.push_back(FieldError{path, std::move(message), at});
}

std::string join(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out = path;
  out += '.';
  out += key;
  return out;
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

namespace {

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::string must_be(std::string_view what, const Node& n) {
  std::string out = "must be ";
  out += what;
  out += ", got ";
  if (n.is_scalar()) {
    out += n.describe();
  } else {
    out += n.kind_name();
  }
  return out;
}

}  // namespace

Fields::Fields(const Node& n, std::string path, Ctx& ctx) : path_(std::move(path)), ctx_(ctx) {
  ctx_.seen(path_, n);
  if (!n.is_mapping()) {
    ctx_.fail(path_.empty() ? "(document)" : path_, n, must_be("a mapping", n));
    finished_ = true;
    return;
  }
  map_ = &n;
}

const Node* Fields::optional(std::string_view key) {
  known_.emplace_back(key);
  if (map_ == nullptr) return nullptr;
  const Node* v = map_->find(key);
  if (v == nullptr) return nullptr;
  ctx_.seen(path(key), *v);
  if (v->is_null()) return nullptr;
  return v;
}

const Node* Fields::required(std::string_view key) {
  const Node* v = optional(key);
  if (v == nullptr && map_ != nullptr) {
    ctx_.fail(path(key), map_->mark(), "is required");
  }
  return v;
}

void Fields::ignore(std::string_view key) { ignored_.emplace_back(key); }

void Fields::finish() {
  if (finished_) return;
  finished_ = true;
  for (const auto& [key, value] : map_->entries()) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end() &&
        std::find(ignored_.begin(), ignored_.end(), key) == ignored_.end()) {
      ctx_.fail(path(key), value,
                "unknown field \"" + key + "\" (allowed: " + quoted_list(known_) + ")");
    }
  }
}

std::optional<std::string> read_string(const Node& n, const std::string& path, Ctx& ctx) {
  ctx.seen(path, n);
  if (!n.is_scalar()) {
    ctx.fail(path, n, must_be("a string", n));
    return std::nullopt;
  }
  return n.text();
}

std::optional<std::int64_t> read_int(const Node& n, const std::string& path, Ctx& ctx,
                                     std::int64_t min, std::int64_t max) {
  ctx.seen(path, n);
  if (!n.is_scalar() || !n.plain()) {
    ctx.fail(path, n, must_be("an integer", n));
    return std::nullopt;
  }
  const std::string& t = n.text();
  std::int64_t v = 0;
  const char* first = t.data();
  if (!t.empty() && t[0] == '+') ++first;
  auto [end, ec] = std::from_chars(first, t.data() + t.size(), v);
  if (ec == std::errc::result_out_of_range) {
    ctx.fail(path, n, t + " is out of range");
    return std::nullopt;
  }
  if (ec != std::errc{} || end != t.data() + t.size() || t.empty()) {
    ctx.fail(path, n, must_be("an integer", n));
    return std::nullopt;
  }
  if (v < min || v > max) {
    ctx.fail(path, n, t + " is not within " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> read_int64(const Node& n, const std::string& path, Ctx& ctx) {
  return read_int(n, path, ctx, std::numeric_limits<std::int64_t>::min(),
                  std::numeric_limits<std::int64_t>::max());
}

std::optional<RevisionNumber> read_revision_number(const Node& n, const std::string& path,
                                                   Ctx& ctx) {
  auto v = read_int(n, path, ctx, 1, std::numeric_limits<std::int64_t>::max());
  if (!v) return std::nullopt;
  return RevisionNumber{*v};
}

std::optional<double> read_double(const Node& n, const std::string& path, Ctx& ctx) {
  ctx.seen(path, n);
  if (!n.is_scalar() || !n.plain()) {
    ctx.fail(path, n, must_be("a number", n));
    return std::nullopt;
  }
  const std::string& t = n.text();
  double v = 0;
  const char* first = t.data();
  if (!t.empty() && t[0] == '+') ++first;
  auto [end, ec] = std::from_chars(first, t.data() + t.size(), v);
  if (ec != std::errc{} || end != t.data() + t.size() || t.empty() || !std::isfinite(v)) {
    ctx.fail(path, n, must_be("a number", n));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> read_bool(const Node& n, const std::string& path, Ctx& ctx) {
  ctx.seen(path, n);
  if (n.is_scalar() && n.plain()) {
    const std::string& t = n.text();
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  ctx.fail(path, n, must_be("true or false", n));
  return std::nullopt;
}

std::optional<Duration> read_duration(const Node& n, const std::string& path, Ctx& ctx) {
  auto s = read_string(n, path, ctx);
  if (!s) return std::nullopt;
  if (auto d = parse_duration(*s)) return d;
  ctx.fail(path, n, "\"" + *s + "\" is not a duration (examples: 500ms, 90s, 5m, 1h30m)");
  return std::nullopt;
}

std::optional<Timestamp> read_timestamp(const Node& n, const std::string& path, Ctx& ctx) {
  auto s = read_string(n, path, ctx);
  if (!s) return std::nullopt;
  if (auto t = parse_timestamp(*s)) return t;
  ctx.fail(path, n, "\"" + *s + "\" is not an RFC 3339 time (example: 2026-11-21T07:38:26Z)");
  return std::nullopt;
}

std::optional<Threshold> read_threshold(const Node& n, const std::string& path, Ctx& ctx) {
  auto s = read_string(n, path, ctx);
  if (!s) return std::nullopt;
  if (auto t = parse_threshold(*s)) return t;
  ctx.fail(path, n,
           "\"" + *s +
               "\" is not a threshold: <op> <number> or <op> <number>x baseline, op one of "
               "> >= < <= == != (examples: \"> 0.05\", \"> 3x baseline\")");
  return std::nullopt;
}

std::optional<std::map<std::string, std::string>> read_string_map(const Node& n,
                                                                  const std::string& path,
                                                                  Ctx& ctx) {
  ctx.seen(path, n);
  if (!n.is_mapping()) {
    ctx.fail(path, n, must_be("a mapping of strings", n));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& [key, value] : n.entries()) {
    const std::string p = join(path, key);
    if (value.is_null()) {
      out.emplace(key, "");
      continue;
    }
    auto s = read_string(value, p, ctx);
    if (!s) {
      ok = false;
      continue;
    }
    out.emplace(key, std::move(*s));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> read_string_list(const Node& n, const std::string& path,
                                                         Ctx& ctx) {
  ctx.seen(path, n);
  if (!n.is_sequence()) {
    ctx.fail(path, n, must_be("a list of strings", n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < n.items().size(); ++i) {
    auto s = read_string(n.items()[i], index(path, i), ctx);
    if (!s) {
      ok = false;
      continue;
    }
    out.push_back(std::move(*s));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> decode_type_meta(Fields& root) {
  const Node* api = root.required("apiVersion");
  const Node* kind = root.required("kind");
  bool ok = api != nullptr && kind != nullptr;
  if (api != nullptr) {
    auto v = read_string(*api, "apiVersion", root.ctx());
    if (v && *v != kApiVersion) {
      root.ctx().fail("apiVersion", *api,
                      "\"" + *v + "\" is not supported (allowed: " + kApiVersion + ")");
      ok = false;
    }
  }
  std::optional<std::string> k;
  if (kind != nullptr) {
    k = read_string(*kind, "kind", root.ctx());
    if (k && *k != "Release" && *k != "Rollback") {
      root.ctx().fail("kind", *kind, "\"" + *k + "\" is not one of Release, Rollback");
      ok = false;
    }
  }
  if (!ok || !k) return std::nullopt;
  return k;
}

void decode_metadata(const Node& n, const std::string& path, Ctx& ctx, ObjectMeta& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* name = f.required("name")) {
    if (auto v = read_string(*name, f.path("name"), ctx)) out.name = *v;
  }
  read_into(f, "namespace", out.ns, read_string);
  read_into(f, "uid", out.uid, read_string);
  read_into(f, "generation", out.generation, [](const Node& v, const std::string& p, Ctx& c) {
    return read_int(v, p, c, 0, std::numeric_limits<std::int64_t>::max());
  });
  read_into(f, "resourceVersion", out.resource_version, read_string);
  read_into(f, "labels", out.labels, read_string_map);
  read_into(f, "annotations", out.annotations, read_string_map);
  // Fields the Kubernetes API server manages; accepted and not kept.
  for (const char* k :
       {"creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields",
        "finalizers", "ownerReferences", "generateName", "selfLink"}) {
    f.ignore(k);
  }
  f.finish();
}

void decode_conditions(const Node& n, const std::string& path, Ctx& ctx, Conditions& out) {
  ctx.seen(path, n);
  if (!n.is_sequence()) {
    ctx.fail(path, n, "must be a list of conditions, got " + n.kind_name());
    return;
  }
  for (std::size_t i = 0; i < n.items().size(); ++i) {
    Fields f(n.items()[i], index(path, i), ctx);
    if (!f.valid()) continue;
    Condition c;
    if (const Node* t = f.required("type")) {
      if (auto s = read_string(*t, f.path("type"), ctx)) c.type = *s;
    }
    if (const Node* s = f.required("status")) {
      if (auto v = read_enum<ConditionStatus>(*s, f.path("status"), ctx, parse_condition_status,
                                              "True, False, Unknown")) {
        c.status = *v;
      }
    }
    read_into(f, "reason", c.reason, read_string);
    read_into(f, "message", c.message, read_string);
    read_into(f, "lastTransitionTime", c.last_transition_time, read_timestamp);
    read_into(f, "observedGeneration", c.observed_generation,
              [](const Node& v, const std::string& p, Ctx& cx) {
                return read_int(v, p, cx, 0, std::numeric_limits<std::int64_t>::max());
              });
    f.finish();
    out.push_back(std::move(c));
  }
}

}  // namespace rwd::model::detail
